//! The access trace over HTTP: entries per action, durability, the hash
//! chain under concurrency, tamper detection, IG search and export, family history.

use crate::helpers::*;
