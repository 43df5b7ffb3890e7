"""Printing jaxprs in JAX's layout (``{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b,) }``)."""
from pyjax._src import pretty_printer as pp
from pyjax._src.core import ClosedJaxpr, DropVar, Jaxpr, Literal


def _var_name(i):
    """a, b, ..., z, ba, bb, ...: base 26 with the letters as digits."""
    s = ""
    while True:
        s = chr(ord("a") + i % 26) + s
        i //= 26
        if i == 0:
            return s


class _Names:
    """Variable names, given in order of first appearance; names continue into sub-jaxprs."""

    def __init__(self):
        self.names = {}
        self.count = 0
        self.unused = set()

    def __call__(self, var):
        if type(var) is Literal:
            return f"{str(var.val[()])}:{var.aval.str_short()}"
        if type(var) is DropVar or var in self.unused:
            return "_"
        name = self.names.get(var)
        if name is None:
            name = self.names[var] = _var_name(self.count)
            self.count += 1
        return name

    def alias(self, inner, outer):
        """Print ``inner`` (a sub-jaxpr variable) with the name of ``outer`` at the call."""
        if type(outer) is not Literal and type(inner) is not Literal and inner not in self.names:
            self.names[inner] = self(outer)

    def note_unused(self, jaxpr):
        used = {v for e in jaxpr.eqns for v in e.invars if type(v) is not Literal}
        used.update(v for v in jaxpr.outvars if type(v) is not Literal)
        self.unused.update(v for e in jaxpr.eqns for v in e.outvars if v not in used)


def _pp_binders(vars_, names):
    docs = [pp.text(f"{names(v)}:{v.aval.str_short()}" if type(v) is not DropVar else "_")
            for v in vars_]
    return pp.nest(2, pp.group(pp.join(pp.group(pp.brk()), docs)))


def _pp_atoms(vars_, names, sep=""):
    docs = [pp.text(names(v)) for v in vars_]
    return pp.nest(2, pp.group(pp.join(pp.text(sep) + pp.group(pp.brk()), docs)))


def _pp_value(v, names):
    if isinstance(v, (Jaxpr, ClosedJaxpr)):
        return pp_jaxpr(v.jaxpr if isinstance(v, ClosedJaxpr) else v, names)
    if type(v) is tuple and v and all(isinstance(j, (Jaxpr, ClosedJaxpr)) for j in v):
        return pp.concat([pp.text("("),
                          pp.nest(2, pp.concat([pp.brk(""), pp.join(pp.brk(), [
                              _pp_value(j, names) for j in v])])),
                          pp.brk(""), pp.text(")")])
    if hasattr(v, "name") and hasattr(v, "itemsize"):  # a NumPy dtype
        return pp.text(v.name)
    return pp.text(str(v))


def _pp_params(items, names):
    if not items:
        return pp.nil
    pairs = [pp.text(f"{k}=") + _pp_value(v, names) for k, v in items]
    return pp.group(pp.concat([pp.nest(2, pp.concat([pp.text("["), pp.brk(""),
                                                     pp.join(pp.brk(), pairs)])),
                               pp.brk(""), pp.text("]")]))


def pp_eqn(eqn, names):
    lhs = _pp_binders(eqn.outvars, names)
    if eqn.primitive.name == "jit":  # the body's inputs and outputs print as the call's
        inner = eqn.params["jaxpr"].jaxpr
        for v_in, v_out in zip(inner.invars, eqn.invars):
            names.alias(v_in, v_out)
        for v_in, v_out in zip(inner.outvars, eqn.outvars):
            names.alias(v_in, v_out)
    pp_rule = getattr(eqn.primitive, "pp_params", None)
    items = pp_rule(eqn.params) if pp_rule else sorted(eqn.params.items())
    params = _pp_params(items, names)
    rhs = [pp.text(eqn.primitive.name), params]
    if eqn.invars:
        rhs.append(pp.text(" ") + _pp_atoms(eqn.invars, names))
    return pp.concat([lhs, pp.text(" = "), *rhs])


def pp_jaxpr(jaxpr, names):
    names.note_unused(jaxpr)
    constvars = _pp_binders(jaxpr.constvars, names)
    invars = _pp_binders(jaxpr.invars, names)
    eqns = pp.join(pp.brk(), [pp_eqn(e, names) for e in jaxpr.eqns])
    close = ")" if len(jaxpr.outvars) != 1 else ",)"
    outvars = pp.concat([pp.text("("), _pp_atoms(jaxpr.outvars, names, ","), pp.text(close)])
    body = pp.concat([pp.text("{ lambda "), constvars, pp.text("; "), invars, pp.text(". let"),
                      pp.nest(2, pp.brk() + eqns), pp.brk(), pp.text("in "), outvars])
    return pp.group(pp.nest(2, body) + pp.text(" }"))


def pp_toplevel(jaxpr, width=80):
    return pp_jaxpr(jaxpr, _Names()).format(width)


def pp_eqn_alone(eqn, width=80):
    return pp_eqn(eqn, _Names()).format(width)
