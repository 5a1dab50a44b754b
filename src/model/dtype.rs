//! The compute dtype: `--dtype auto|bf16|f16|f32` and how `auto` picks one for a device.
//!
//! `auto`: bf16 on CUDA GPUs of compute capability 8.0 and newer (Ampere, Hopper), f16 on
//! older ones (T4 is sm_75: no bf16 arithmetic), f32 on the CPU (candle's CPU kernels for the
//! half types are slower than f32, and f32 matches the reference logits best). An explicit
//! choice is honoured where the device runs it, and refused with the reason where it does not.

use super::error::ModelError;
use candle_core::{DType, Device};
use std::fmt;
use std::str::FromStr;

/// The dtype the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DtypeChoice {
    /// By device capability (see the module doc).
    #[default]
    Auto,
    Bf16,
    F16,
    F32,
}

/// Names accepted by `--dtype`, in help order.
pub const DTYPE_NAMES: [&str; 4] = ["auto", "bf16", "f16", "f32"];

impl FromStr for DtypeChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "bf16" | "bfloat16" => Ok(Self::Bf16),
            "f16" | "fp16" | "float16" | "half" => Ok(Self::F16),
            "f32" | "fp32" | "float32" => Ok(Self::F32),
            other => Err(format!(
                "unknown dtype {other:?} (expected one of {})",
                DTYPE_NAMES.join(", ")
            )),
        }
    }
}

impl fmt::Display for DtypeChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Bf16 => "bf16",
            Self::F16 => "f16",
            Self::F32 => "f32",
        })
    }
}

/// The CUDA compute capability `(major, minor)` of `device`; `None` on the CPU.
pub fn compute_capability(device: &Device) -> Result<Option<(i32, i32)>, ModelError> {
    match device {
        #[cfg(feature = "cuda")]
        Device::Cuda(d) => {
            let cap = d
                .cuda_stream()
                .context()
                .compute_capability()
                .map_err(|e| ModelError::Other(anyhow::anyhow!("querying the GPU: {e}")))?;
            Ok(Some(cap))
        }
        _ => Ok(None),
    }
}

/// The dtype `choice` resolves to on a device of compute capability `cap` (`None`: the CPU).
pub fn resolve_for(choice: DtypeChoice, cap: Option<(i32, i32)>) -> Result<DType, ModelError> {
    let bf16_ok = cap.is_none_or(|(major, _)| major >= 8);
    Ok(match (choice, cap) {
        (DtypeChoice::Auto, None) => DType::F32,
        (DtypeChoice::Auto, Some(_)) if bf16_ok => DType::BF16,
        (DtypeChoice::Auto, Some(_)) => DType::F16,
        (DtypeChoice::Bf16, Some((major, minor))) if !bf16_ok => {
            return Err(ModelError::Dtype {
                requested: choice.to_string(),
                device: format!("a GPU of compute capability {major}.{minor}"),
                reason: "bf16 arithmetic needs compute capability 8.0 (Ampere) or newer; \
                         use --dtype f16"
                    .into(),
            })
        }
        (DtypeChoice::Bf16, _) => DType::BF16,
        (DtypeChoice::F16, _) => DType::F16,
        (DtypeChoice::F32, _) => DType::F32,
    })
}

/// The dtype `choice` resolves to on `device`.
pub fn resolve(choice: DtypeChoice, device: &Device) -> Result<DType, ModelError> {
    resolve_for(choice, compute_capability(device)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_device() {
        let auto = DtypeChoice::Auto;
        assert_eq!(resolve_for(auto, None).unwrap(), DType::F32);
        assert_eq!(resolve_for(auto, Some((7, 5))).unwrap(), DType::F16);
        assert_eq!(resolve_for(auto, Some((8, 0))).unwrap(), DType::BF16);
        assert_eq!(resolve_for(auto, Some((9, 0))).unwrap(), DType::BF16);
    }

    #[test]
    fn explicit_choices_and_refusals() {
        assert_eq!(
            resolve_for(DtypeChoice::F32, Some((9, 0))).unwrap(),
            DType::F32
        );
        assert_eq!(resolve_for(DtypeChoice::F16, None).unwrap(), DType::F16);
        assert_eq!(resolve_for(DtypeChoice::Bf16, None).unwrap(), DType::BF16);
        let e = resolve_for(DtypeChoice::Bf16, Some((7, 5))).unwrap_err();
        assert!(e.to_string().contains("compute capability 7.5"), "{e}");
        assert!(e.to_string().contains("--dtype f16"), "{e}");
    }

    #[test]
    fn names_parse() {
        for (s, d) in [
            ("auto", DtypeChoice::Auto),
            ("BF16", DtypeChoice::Bf16),
            ("fp16", DtypeChoice::F16),
            ("f32", DtypeChoice::F32),
        ] {
            assert_eq!(s.parse::<DtypeChoice>().unwrap(), d);
            assert_eq!(d.to_string().parse::<DtypeChoice>().unwrap(), d);
        }
        assert!("f8".parse::<DtypeChoice>().unwrap_err().contains("bf16"));
    }
}
