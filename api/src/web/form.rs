//! Form bodies for the pages: a body that does not parse (a field missing
//! or of the wrong shape, a body too large, a wrong content type) is the
//! plain-English 400 page, not the framework's text.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::view::PageError;

/// An `application/x-www-form-urlencoded` body, or the 400 page.
#[derive(Debug, Clone)]
pub struct PageForm<T>(pub T);

impl<S, T> FromRequest<S> for PageForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(rejection) => {
                tracing::info!(reason = %rejection.body_text(), "a page's form did not parse");
                Err(PageError::BadRequest(
                    "The form was not filled in as expected. Go back, reload the page and try again."
                        .to_owned(),
                ))
            }
        }
    }
}
