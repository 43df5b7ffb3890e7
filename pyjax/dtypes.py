"""Public dtype utilities, mirroring ``jax.dtypes``."""
from pyjax._src.dtypes import (  # noqa: F401
    TypePromotionError,
    bfloat16_type as bfloat16,
    canonicalize_dtype,
    check_user_dtype_supported,
    extended,
    finfo,
    float0,
    iinfo,
    issubdtype,
    itemsize_bits,
    prng_key,
    result_type,
    scalar_type_of,
)

__all__ = [
    "TypePromotionError", "bfloat16", "canonicalize_dtype", "check_user_dtype_supported",
    "extended", "finfo", "float0", "iinfo", "issubdtype", "itemsize_bits", "prng_key",
    "result_type", "scalar_type_of",
]
