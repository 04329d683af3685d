//! Each case as IPython's `TransformerManager().transform_cell()` gives it
//! (IPython 8.12 and 9.18, the image's, give the same).

use super::*;

/// The cell as `ipython2python` writes it.
fn python(cell: &str) -> String {
    lines(cell)
        .into_iter()
        .map(|line| match line {
            Line::Python(line) => line,
            Line::Special { python, .. } => python + "\n",
        })
        .collect()
}

#[test]
fn magics_shell_commands_and_help_are_as_ipython_writes_them() {
    for (cell, expected) in [
        (
            "%timeit x = 1\n",
            "get_ipython().run_line_magic('timeit', 'x = 1')\n",
        ),
        (
            "%%timeit -n 3\nx = 1\ny = 2\n",
            "get_ipython().run_cell_magic('timeit', '-n 3', 'x = 1\\ny = 2\\n')\n",
        ),
        (
            "!ls -la 'a b'\n",
            "get_ipython().system(\"ls -la 'a b'\")\n",
        ),
        ("files = !ls\n", "files = get_ipython().getoutput('ls')\n"),
        ("!!ls\n", "get_ipython().getoutput('ls')\n"),
        (
            "factor?\n",
            "get_ipython().run_line_magic('pinfo', 'factor')\n",
        ),
        (
            "factor??\n",
            "get_ipython().run_line_magic('pinfo2', 'factor')\n",
        ),
        (
            "?factor\n",
            "get_ipython().run_line_magic('pinfo', 'factor')\n",
        ),
        (
            "a = 1\n%time f(a)\nb = %time g()\n",
            "a = 1\nget_ipython().run_line_magic('time', 'f(a)')\nb = get_ipython().run_line_magic('time', 'g()')\n",
        ),
        (
            "for i in range(3):\n    %time f(i)\n    !echo $i\n",
            "for i in range(3):\n    get_ipython().run_line_magic('time', 'f(i)')\n    get_ipython().system('echo $i')\n",
        ),
        (
            "%display latex\n",
            "get_ipython().run_line_magic('display', 'latex')\n",
        ),
        (
            "%%bash\necho 'hi'\n",
            "get_ipython().run_cell_magic('bash', '', \"echo 'hi'\\n\")\n",
        ),
        (
            "%config InlineBackend.figure_format = 'svg'\n",
            "get_ipython().run_line_magic('config', \"InlineBackend.figure_format = 'svg'\")\n",
        ),
        ("  %time 1\n", "get_ipython().run_line_magic('time', '1')\n"),
        ("factor(2^64+1)", "factor(2^64+1)\n"),
        ("\n\n%time 1", "get_ipython().run_line_magic('time', '1')\n"),
        ("/f 1 2\n", "f(1, 2)\n"),
        (",f a b\n", "f(\"a\", \"b\")\n"),
        ("%%time\n", "get_ipython().run_cell_magic('time', '', '')\n"),
        (
            "x = 1\n%%time\ny\n",
            "x = 1\nget_ipython().run_line_magic('%time', '')\ny\n",
        ),
        (
            "%time \\\n  1\n",
            "get_ipython().run_line_magic('time', '   1')\n",
        ),
        (
            "%timeit 'a\\tb\"c'\n",
            "get_ipython().run_line_magic('timeit', '\\'a\\\\tb\"c\\'')\n",
        ),
        (
            "a.b.c?\n",
            "get_ipython().run_line_magic('pinfo', 'a.b.c')\n",
        ),
        ("a[1]?\n", "get_ipython().run_line_magic('pinfo', 'a[1]')\n"),
        (
            "np.*load*?\n",
            "get_ipython().run_line_magic('psearch', 'np.*load*')\n",
        ),
        (
            "%time?\n",
            "get_ipython().run_line_magic('pinfo', '%time')\n",
        ),
        (
            "if x:\n    factor?\nelse:\n    pass\n",
            "if x:\n    get_ipython().run_line_magic('pinfo', 'factor')\nelse:\n    pass\n",
        ),
        (
            "  x = 1\n  %time x\n",
            "x = 1\nget_ipython().run_line_magic('time', 'x')\n",
        ),
        (
            "%time x # c\n",
            "get_ipython().run_line_magic('time', 'x # c')\n",
        ),
        ("% time x\n", "get_ipython().run_line_magic('', 'time x')\n"),
        ("!\n", "get_ipython().system('')\n"),
        ("?\n", "get_ipython().show_usage()\n"),
        (
            "x = 1 \\\n  + 2\n%who\n",
            "x = 1 \\\n  + 2\nget_ipython().run_line_magic('who', '')\n",
        ),
        (
            "%%html\n<b>x</b>",
            "get_ipython().run_cell_magic('html', '', '<b>x</b>\\n')\n",
        ),
        (
            "   \n%%time\nx\n",
            "get_ipython().run_cell_magic('time', '', 'x\\n')\n",
        ),
        (
            "%precision 3\nR.<x> = QQ[]\n",
            "get_ipython().run_line_magic('precision', '3')\nR.<x> = QQ[]\n",
        ),
        (
            "x = f\"{a}\"\n%time 1\n",
            "x = f\"{a}\"\nget_ipython().run_line_magic('time', '1')\n",
        ),
    ] {
        assert_eq!(python(cell), expected, "{cell:?}");
    }
}

#[test]
fn python_that_looks_like_ipython_is_left_alone() {
    for cell in [
        "x = 5; %time 1\n",
        "if True: %time 1\n",
        "s = '''\n%notmagic\n'''\n",
        "x = (1,\n%notmagic\n)\n",
        "x = \"\"\"\n!not\n\"\"\"\n",
        "x = 1 # comment?\n",
        "x?  \n",
        "f(x)?\n",
        "print('%s' % x)\n",
        "x = y % 3\n",
        "a != b\n",
        "x == !y\n",
        "s = 'it''s' # ?\n",
        "x = \"a\\\"%b\"\n",
        "R.<x> = PolynomialRing(QQ)\nfactor(x^4 - 1)\n",
    ] {
        assert_eq!(python(cell), cell, "{cell:?}");
    }
}

#[test]
fn a_special_line_knows_its_lines_and_indent() {
    assert_eq!(
        lines("for i in range(2):\n    %time \\\n      f(i)\nx\n"),
        [
            Line::Python("for i in range(2):\n".into()),
            Line::Special {
                lines: vec!["    %time \\\n".into(), "      f(i)\n".into()],
                indent: "    ".into(),
                python: "    get_ipython().run_line_magic('time', '       f(i)')".into(),
            },
            Line::Python("x\n".into()),
        ]
    );
}

#[test]
fn non_ascii_text_does_not_trip_the_reading() {
    assert_eq!(
        python("é = 'ü'  # ?\n%time print(\"ß\")\n"),
        "é = 'ü'  # ?\nget_ipython().run_line_magic('time', 'print(\"ß\")')\n"
    );
    assert_eq!(
        python("x = '😀'\nx?\n"),
        "x = '😀'\nget_ipython().run_line_magic('pinfo', 'x')\n"
    );
}
