//! The one exact rational type of the verifiers ([`Rat`], `i128 / i128` in lowest terms) and its
//! [`gcd`], shared by the answer comparison ([`crate::verify::answer`]) and the claim evaluator
//! ([`crate::verify::claim`]).
//!
//! Every operation is checked: an overflow (including `i128::MIN`, whose absolute value does not
//! fit) gives `None`, which the callers turn into an `unknown`, never a panic.

use std::cmp::Ordering;
use std::fmt;

/// An exact rational `num / den` with `den > 0`, in lowest terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rat {
    pub num: i128,
    pub den: i128,
}

/// Greatest common divisor of `|a|` and `|b|`, computed on `u128` so `i128::MIN` is fine.
/// `gcd(0, 0) = 0`.
pub fn gcd(a: i128, b: i128) -> u128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// [`gcd`] as an `i128`; `None` only for `gcd(i128::MIN, 0)`-like results of 2^127.
pub fn gcd_i128(a: i128, b: i128) -> Option<i128> {
    i128::try_from(gcd(a, b)).ok()
}

impl Rat {
    /// The integer `n`.
    pub fn int(n: i128) -> Rat {
        Rat { num: n, den: 1 }
    }

    /// `num / den` in lowest terms; `None` when `den == 0` or a value overflows.
    pub fn new(num: i128, den: i128) -> Option<Rat> {
        if den == 0 {
            return None;
        }
        let g = gcd_i128(num, den)?.max(1);
        let (mut n, mut d) = (num / g, den / g);
        if d < 0 {
            n = n.checked_neg()?;
            d = d.checked_neg()?;
        }
        Some(Rat { num: n, den: d })
    }

    pub fn is_int(self) -> bool {
        self.den == 1
    }

    /// The nearest `f64` (approximate for large values).
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    pub fn checked_add(self, o: Rat) -> Option<Rat> {
        Rat::new(
            self.num
                .checked_mul(o.den)?
                .checked_add(o.num.checked_mul(self.den)?)?,
            self.den.checked_mul(o.den)?,
        )
    }

    pub fn checked_sub(self, o: Rat) -> Option<Rat> {
        self.checked_add(o.checked_neg()?)
    }

    pub fn checked_neg(self) -> Option<Rat> {
        Some(Rat {
            num: self.num.checked_neg()?,
            den: self.den,
        })
    }

    pub fn checked_abs(self) -> Option<Rat> {
        Some(Rat {
            num: self.num.checked_abs()?,
            den: self.den,
        })
    }

    pub fn checked_mul(self, o: Rat) -> Option<Rat> {
        Rat::new(self.num.checked_mul(o.num)?, self.den.checked_mul(o.den)?)
    }

    /// `self / o`; `None` when `o` is zero or a value overflows.
    pub fn checked_div(self, o: Rat) -> Option<Rat> {
        if o.num == 0 {
            return None;
        }
        Rat::new(self.num.checked_mul(o.den)?, self.den.checked_mul(o.num)?)
    }

    /// Exact comparison; `None` when the cross products overflow.
    pub fn checked_cmp(self, o: Rat) -> Option<Ordering> {
        Some(
            self.num
                .checked_mul(o.den)?
                .cmp(&o.num.checked_mul(self.den)?),
        )
    }
}

impl fmt::Display for Rat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_never_panic() {
        assert_eq!(gcd(i128::MIN, 0), 1u128 << 127);
        assert_eq!(gcd(i128::MIN, 6), 2);
        assert_eq!(gcd_i128(i128::MIN, i128::MIN), None);
        assert_eq!(Rat::new(i128::MIN, -1), None);
        assert_eq!(Rat::new(i128::MIN, i128::MIN), None);
        assert_eq!(Rat::new(i128::MIN, 2).map(|r| r.num), Some(i128::MIN / 2));
        assert_eq!(Rat::int(i128::MIN).checked_abs(), None);
        assert_eq!(Rat::int(i128::MIN).checked_neg(), None);
        assert_eq!(Rat::int(i128::MAX).checked_add(Rat::int(1)), None);
        assert_eq!(Rat::int(1).checked_div(Rat::int(0)), None);
        assert_eq!(Rat::new(6, -4), Some(Rat { num: -3, den: 2 }));
        assert_eq!(Rat::new(1, 3).unwrap().to_string(), "1/3");
    }
}
