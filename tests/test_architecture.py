"""docs/architecture.md stays true: the layer table and no reaching into private names."""

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hpsk"


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: pathlib.Path) -> list[tuple[str, str, int]]:
    """``(imported module, imported name or "", line)`` for every hpsk import in ``path``."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, "", node.lineno) for alias in node.names if alias.name.startswith("hpsk")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source == "hpsk" or source.startswith("hpsk."):
                found += [(source, alias.name, node.lineno) for alias in node.names]
    return found


def _top(module: str, name: str) -> str:
    """The layer an import reaches: ``hpsk.algorithms._history`` -> ``algorithms``."""
    parts = module.split(".")[1:]
    if not parts:  # from hpsk import x / from . import x
        submodule = PACKAGE / f"{name}.py"
        return name if submodule.exists() or (PACKAGE / name / "__init__.py").exists() else "hpsk"
    return parts[0]


def _layer_table() -> dict[str, set[str]]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text[text.index("| module | job | may import |"):]
    allowed = {}
    for line in section.splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        modules = re.findall(r"`(hpsk[\w.]*)`", cells[0])
        names = set(re.findall(r"`([\w.]+)`", cells[2]))
        if "everything" in cells[2] or "every module" in cells[2]:
            names = {"*"}
        for module in modules:
            allowed[module] = names
    return allowed


def _row_of(module: str, table: dict[str, set[str]]) -> str:
    candidates = [row for row in table if module == row or module.startswith(row + ".")]
    return max(candidates, key=len)  # the most specific row


def test_every_module_imports_only_what_its_layer_allows():
    table = _layer_table()
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        allowed = table[_row_of(module, table)]
        own = module.split(".")[1] if "." in module else "hpsk"
        for source, name, line in _imports(path):
            layer = _top(source, name)
            if "*" in allowed or layer == own or layer in allowed:
                continue
            wrong.append(f"{path.relative_to(ROOT)}:{line} imports {layer} ({source} {name})")
    assert wrong == []


def _private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _private_reaches() -> list[str]:
    """Imports of a ``_private`` hpsk name (or module) from outside the package that owns it,
    and ``module._name`` reads through a name bound to another hpsk module."""
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        bound = {}  # local name -> the hpsk module it is bound to
        for source, name, line in _imports(path):
            target = f"{source}.{name}" if name else source
            if name and (ROOT / Path_of(target)).exists() or (ROOT / target.replace(".", "/")).is_dir():
                bound[name or target] = target
            parts = target.split(".")
            first = next((i for i, part in enumerate(parts) if _private(part)), None)
            if first is None:
                continue
            owner = ".".join(parts[:first])  # the package or module the private name belongs to
            if package == owner or package.startswith(owner + "."):
                continue  # a private module used inside its own package: what it is for
            wrong.append(f"{path.relative_to(ROOT)}:{line}: {target}")
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _private(node.attr)
                    and bound.get(node.value.id, module) != module):
                target = bound[node.value.id]
                if not (package == target or package.startswith(target + ".")):
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {target}.{node.attr}")
    return wrong


def test_no_module_reaches_into_another_modules_private_names():
    assert _private_reaches() == []


def _docstring_lines(node: ast.AST) -> int:
    if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return 0
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0].end_lineno - body[0].lineno + 1
    return 0


def _sizes() -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """``(lines without docstrings, lines, name)`` of every function and of every module in hpsk/."""
    functions, modules = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text()
        tree = ast.parse(text)
        where = str(path.relative_to(ROOT))
        docs = 0
        for node in ast.walk(tree):
            docs += _docstring_lines(node)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                functions.append((lines - _docstring_lines(node), lines, f"{where}:{node.name}"))
        modules.append((len(text.splitlines()) - docs, len(text.splitlines()), where))
    return sorted(functions), sorted(modules)


def _says_why_it_is_long(name: str) -> bool:
    """Whether the comment just above a function (or a module's docstring) says why it is long."""
    path, _, function = name.partition(":")
    lines = (ROOT / path).read_text().splitlines()
    if not function:
        return "over the 500 lines" in (ast.get_docstring(ast.parse("\n".join(lines))) or "")
    start = next(i for i, line in enumerate(lines) if re.match(rf"\s*def {function}\(", line))
    above = []
    for line in reversed(lines[:start]):
        if not line.strip().startswith(("#", "@")):
            break
        above.append(line)
    return any("over 60 lines" in line for line in above)


def test_functions_and_modules_stay_short():
    """Issue #15's limits: about 60 lines a function and 500 a module, docstrings not counted
    (a numpydoc docstring of every parameter is documentation, not length to read through);
    whatever is longer with its docstrings says so in a comment."""
    functions, modules = _sizes()
    assert [f for f in functions if f[0] > 60] == []
    assert [m for m in modules if m[0] > 500] == []
    assert [f[2] for f in functions if f[1] > 60 and not _says_why_it_is_long(f[2])] == []
    assert [m[2] for m in modules if m[1] > 500 and not _says_why_it_is_long(m[2])] == []


def Path_of(dotted: str) -> pathlib.Path:  # noqa: N802 - reads like the path it builds
    return pathlib.Path(*dotted.split(".")).with_suffix(".py")


@pytest.mark.parametrize("module", ["hpsk.space", "hpsk.hp", "hpsk.algorithms.tpe", "hpsk.trials"])
def test_the_search_core_knows_nothing_of_scikit_learn(module):
    path = ROOT / Path_of(module)
    imported = {node.module.split(".")[0] for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    imported |= {alias.name.split(".")[0] for node in ast.walk(ast.parse(path.read_text()))
                 if isinstance(node, ast.Import) for alias in node.names}
    assert "sklearn" not in imported


if __name__ == "__main__":  # python tests/test_architecture.py: the shape of hpsk/ in numbers
    functions, modules = _sizes()
    longest = max(functions, key=lambda f: f[1])
    print(f"longest function: {longest[2]}, {longest[1]} lines ({longest[0]} without its docstring)")
    print(f"longest function without docstrings: {functions[-1][2]}, {functions[-1][0]} lines")
    biggest = max(modules, key=lambda m: m[1])
    print(f"longest module: {biggest[2]}, {biggest[1]} lines ({biggest[0]} without docstrings)")
    print(f"longest module without docstrings: {modules[-1][2]}, {modules[-1][0]} lines")
    print(f"functions over 60 lines: {sum(f[1] > 60 for f in functions)} "
          f"({sum(f[0] > 60 for f in functions)} without docstrings); "
          f"modules over 500 lines: {sum(m[1] > 500 for m in modules)} "
          f"({sum(m[0] > 500 for m in modules)} without docstrings)")
    print(f"cross-module uses of private hpsk names: {len(_private_reaches())}")
