"""``python -m pyjax SCRIPT [ARGS]``: run an unmodified JAX script on pyjax."""
import runpy
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m pyjax SCRIPT [ARGS...]\n\n"
              "Runs SCRIPT with every `import jax...` resolved to pyjax.")
        return 0 if argv else 2
    import pyjax
    pyjax.install_as_jax()
    sys.argv = list(argv)
    runpy.run_path(argv[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
