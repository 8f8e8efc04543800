//! Advice templates from their TOML source (the form of
//! `domain/templates/*.toml` and of `publishAdviceTemplate`'s input),
//! and publishing the shipped defaults.

use domain::template::{AdviceTemplate, Profession};

use crate::error::Result;

/// Parses and validates `source` as `profession`'s template; errors name
/// the `source` (or `profession`) argument.
pub fn parse(profession: Profession, source: &str) -> Result<AdviceTemplate> {
    Ok(AdviceTemplate::parse(source, Some(profession))?)
}

/// Publishes each shipped template as version 1 where its profession has
/// none yet (at start and migrate, as the default agreement is).
pub async fn ensure_default(store: &store::Store) -> Result<()> {
    let mut shipped = Vec::new();
    for p in Profession::ALL {
        shipped.push((parse(*p, p.shipped_source())?, p.shipped_source()));
    }
    store.ensure_default_advice_templates(shipped).await?;
    Ok(())
}
