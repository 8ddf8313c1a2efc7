//! Column-max kernels over a validated [`View2`](crate::View2).
//!
//! `article` holds the three designs the article measured, kept as it wrote
//! them (column by column); `layout` holds ours, which follows the memory
//! layout; `simd` holds the contiguous inner loops both build on.

pub mod article;
pub mod floor;
pub mod layout;
pub mod simd;
