"""Workloads of the transformations: grad (issue 4), vmap (issue 5), random (issue 6)."""
from workloads import workload


@workload(tags=("grad", "dispatch"))
def grad_sum_logistic_eager(ns):
    """eager grad of the quickstart's sum_logistic at a 3-element array"""
    jnp = ns.jnp

    def sum_logistic(x):
        return jnp.sum(1.0 / (1.0 + jnp.exp(-x)))

    g = ns.grad(sum_logistic)
    x = jnp.arange(3.0)
    return lambda: g(x)


def _loss_100(ns):
    jnp = ns.jnp

    def loss(w, x):
        h = x
        for i in range(25):  # 4 ops per step
            h = jnp.tanh(h * w[i % 4] + 0.1) * 0.9
        return jnp.sum(h * h)
    return loss


@workload(tags=("grad", "jit"))
def value_and_grad_jitted_100ops(ns):
    """value_and_grad of a 100-op jitted loss, cache hit"""
    loss = ns.jit(_loss_100(ns))
    vg = ns.jax.value_and_grad(loss)
    w = ns.jnp.ones(4) * 0.5
    x = ns.jnp.linspace(-1.0, 1.0, 8)
    vg(w, x)
    return lambda: vg(w, x)


@workload(tags=("vmap", "jit"))
def vmap_apply_matrix(ns):
    """quickstart: jit(vmap(apply_matrix)) on (10, 100) with a (150, 100) matrix"""
    jnp = ns.jnp
    rng = ns.np.random.default_rng(0)
    mat = jnp.asarray(rng.standard_normal((150, 100)).astype("float32"))
    batched_x = jnp.asarray(rng.standard_normal((10, 100)).astype("float32"))
    f = ns.jit(ns.vmap(lambda v: jnp.dot(mat, v)))
    f(batched_x)
    return lambda: f(batched_x)


@workload(tags=("vmap", "jit"))
def hand_batched_apply_matrix(ns):
    """quickstart: jit(lambda vs: jnp.dot(vs, mat.T)), the hand-batched reference"""
    jnp = ns.jnp
    rng = ns.np.random.default_rng(0)
    mat = jnp.asarray(rng.standard_normal((150, 100)).astype("float32"))
    batched_x = jnp.asarray(rng.standard_normal((10, 100)).astype("float32"))
    f = ns.jit(lambda vs: jnp.dot(vs, mat.T))
    f(batched_x)
    return lambda: f(batched_x)


@workload(tags=("random",))
def random_normal_10m_eager(ns):
    """eager random.normal of 10M float32 values"""
    key = ns.random.PRNGKey(0)
    normal = ns.random.normal
    return lambda: normal(key, (10_000_000,))


@workload(tags=("random", "jit"))
def random_normal_10m_jit(ns):
    """jit(random.normal) of 10M float32 values"""
    key = ns.random.PRNGKey(0)
    f = ns.jit(lambda k: ns.random.normal(k, (10_000_000,)))
    f(key)
    return lambda: f(key)
