//! Consent over HTTP: grants, withdrawals, authority, overrides, agreements.

use crate::helpers::*;
