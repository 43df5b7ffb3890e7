"""A small Wadler-style pretty printer: text, concatenation, breaks, groups and nesting.

A group is printed on one line if it fits in the remaining width; otherwise its breaks become
newlines indented by the enclosing nesting.
"""


class Doc:
    __slots__ = ()

    def __add__(self, other):
        return Concat([self, other])

    def format(self, width=80):
        out = []
        _render(self, width, out)
        return "".join(out)

    def __str__(self):
        return self.format()


class Text(Doc):
    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


class Concat(Doc):
    __slots__ = ("children",)

    def __init__(self, children):
        self.children = list(children)


class Break(Doc):
    __slots__ = ("text",)

    def __init__(self, text=" "):
        self.text = text


class Group(Doc):
    __slots__ = ("child",)

    def __init__(self, child):
        self.child = child


class Nest(Doc):
    __slots__ = ("n", "child")

    def __init__(self, n, child):
        self.n, self.child = n, child


def text(s):
    return Text(s)


def concat(docs):
    return Concat(docs)


def brk(s=" "):
    return Break(s)


def group(doc):
    return Group(doc)


def nest(n, doc):
    return Nest(n, doc)


nil = Concat([])


def join(sep, docs):
    out = []
    for i, d in enumerate(docs):
        if i:
            out.append(sep)
        out.append(d)
    return Concat(out)


def _flat_width(doc, limit):
    """Width of ``doc`` printed flat, stopping early once it exceeds ``limit``."""
    total = 0
    stack = [doc]
    while stack:
        d = stack.pop()
        t = type(d)
        if t is Text or t is Break:
            if "\n" in d.text:
                return limit + 1
            total += len(d.text)
            if total > limit:
                return total
        elif t is Concat:
            stack.extend(reversed(d.children))
        else:
            stack.append(d.child)
    return total


def _render(doc, width, out):
    col = 0
    # agenda of (indent, flat?, doc), processed as a stack
    stack = [(0, False, doc)]
    while stack:
        indent, flat, d = stack.pop()
        t = type(d)
        if t is Text:
            out.append(d.text)
            nl = d.text.rfind("\n")
            col = len(d.text) - nl - 1 if nl >= 0 else col + len(d.text)
        elif t is Break:
            if flat:
                out.append(d.text)
                col += len(d.text)
            else:
                out.append("\n" + " " * indent)
                col = indent
        elif t is Concat:
            for c in reversed(d.children):
                stack.append((indent, flat, c))
        elif t is Nest:
            stack.append((indent + d.n, flat, d.child))
        else:  # Group
            fits = flat or _flat_width(d.child, width - col) <= width - col
            stack.append((indent, fits, d.child))
