"""jax.nn: activation functions and friends."""
from pyjax._src.nn import (  # noqa: F401
    celu, elu, gelu, glu, hard_sigmoid, hard_silu, hard_swish, hard_tanh, identity, leaky_relu,
    log_sigmoid, log_softmax, logsumexp, mish, one_hot, relu, relu6, selu, sigmoid, silu,
    soft_sign, softmax, softplus, sparse_plus, sparse_sigmoid, squareplus, standardize, swish,
    tanh)
from pyjax.nn import initializers  # noqa: F401,E402
