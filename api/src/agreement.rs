//! Reading a data-sharing agreement from its TOML source (the form of
//! `consent/agreements/default.toml` and of `publishAgreement`'s input)
//! before the store publishes it.

use consent::{Agreement, AgreementSource};

use crate::error::{Error, Result};

/// Parses and validates `source`; errors name the `source` argument. The
/// version is set by the store when it publishes.
pub fn parse(source: &str) -> Result<Agreement> {
    let parsed = AgreementSource::parse(source).map_err(|e| Error::bad_input("source", e))?;
    Agreement::from_source(0, &parsed).map_err(|e| Error::bad_input("source", e.to_string()))
}

/// The default agreement shipped with tellonce.
pub fn shipped() -> Result<Agreement> {
    parse(consent::DEFAULT_AGREEMENT)
}

/// Publishes the shipped default agreement as version 1 if none exists.
pub async fn ensure_default(store: &store::Store) -> Result<()> {
    store
        .ensure_default_agreement(shipped()?, consent::DEFAULT_AGREEMENT)
        .await?;
    Ok(())
}
