"""`python -m pyjax SCRIPT` runs an unmodified JAX script; install_as_jax aliases the modules."""
import subprocess
import sys
import textwrap


def _run(args, **kw):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120,
                          **kw)


def test_python_m_pyjax_runs_a_jax_script(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent("""
        import sys
        import jax
        import jax.numpy as jnp
        from jax import lax, tree_util
        from jax.errors import TracerBoolConversionError

        assert jax.__name__ == "pyjax", jax.__name__
        f = jax.jit(lambda x: jnp.sin(x) * 2)
        print(f(jnp.zeros(3)), sys.argv[1:])
        print(type(jax.numpy).__name__, jnp.__name__, lax.__name__, tree_util.__name__)
    """))
    out = _run(["-m", "pyjax", str(script), "a", "b"])
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "[0. 0. 0.] ['a', 'b']"
    assert lines[1] == "module pyjax.numpy pyjax.lax pyjax.tree_util"


def test_python_m_pyjax_without_script_prints_usage():
    out = _run(["-m", "pyjax"])
    assert out.returncode == 2 and "usage: python -m pyjax SCRIPT" in out.stdout


def test_install_as_jax_in_process():
    code = textwrap.dedent("""
        import pyjax
        pyjax.install_as_jax()
        import jax, jax.numpy, jax.tree_util
        import pyjax.numpy
        assert jax is pyjax and jax.numpy is pyjax.numpy
        from jax.numpy import float32
        print(float32(1.5))
    """)
    out = _run(["-c", code])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1.5"


def test_demo_runs():
    out = _run(["-m", "pyjax.demo"])
    assert out.returncode == 0, out.stderr
    assert "jit" in out.stdout and "same result: True" in out.stdout
