/// An element type the max kernels can reduce. One implementation per
/// dtype; every kernel is generic over it and monomorphised.
pub trait Element: Copy + Send + Sync + PartialOrd + 'static {
    /// The identity of `max`: the article starts its running maximum here.
    const LOWEST: Self;

    /// The larger of two values. Written as a compare-and-select so that
    /// LLVM turns loops over it into packed max / compare+blend instructions.
    #[inline(always)]
    fn max_of(self, other: Self) -> Self {
        if other > self {
            other
        } else {
            self
        }
    }
}

impl Element for i64 {
    const LOWEST: Self = i64::MIN;
}
