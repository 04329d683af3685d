//! A notebook as a script, as `jupyter nbconvert --to script` makes one:
//! code cells as they are, each after its `# In[n]:` prompt; markdown and
//! raw cells as comment blocks; a header naming the notebook.
//!
//! - **Sage** (`.sage`), for `sage FILE.sage`, which preparses Sage's
//!   syntax: IPython's magics, shell commands and help (found as IPython
//!   finds them, [`super::ipython`]) are not Sage, so they stay as comments
//!   (`# %timeit f(x)`); one inside a block becomes `pass  # …`, so the
//!   block stays a block.
//! - **Python** (`.py`): what nbconvert's `--to python` writes, IPython's
//!   syntax as the calls IPython makes (`get_ipython().run_line_magic(…)`,
//!   which run under `ipython`, not `python`), after a first line
//!   `from sage.all import *`. The cells stay in Sage's syntax: Python
//!   reads `2^10` as an exclusive or and cannot read `R.<x> = QQ[]`, so
//!   the header says to pass them through Sage's `preparse()`, or to run
//!   the `.sage` export instead.
//!
//! Text from markdown, raw cells and names goes into comments line by
//! line, split wherever Python ends a line (`\n`, `\r\n` and a lone `\r`)
//! and without control characters, so none of it can end its comment and
//! run.

use crate::notebook::{CellKind, Notebook};

use super::ipython::{Line, lines};

/// The notebook as a Sage script.
pub(crate) fn sage(notebook: &Notebook, name: &str) -> String {
    let file = file_stem(name);
    let mut out = String::from("#!/usr/bin/env sage\n");
    out.push_str(&comment(&format!(
        "{} ({}), exported by SageDesk as a Sage script: run it with `sage {file}.sage`.",
        one_line(name),
        kernel(notebook)
    )));
    out.push_str(&comment(
        "Markdown and raw cells are comments, and so are IPython's magics (%), shell commands (!) and help (?), which are not Sage.",
    ));
    write_cells(&mut out, notebook, |code| {
        let mut cell = String::new();
        for line in lines(code) {
            match line {
                Line::Python(line) => cell.push_str(&line),
                Line::Special { lines, indent, .. } => cell.push_str(&commented(&lines, &indent)),
            }
        }
        cell
    });
    out
}

/// The notebook as a Python script.
pub(crate) fn python(notebook: &Notebook, name: &str) -> String {
    let file = file_stem(name);
    let mut out = String::from("from sage.all import *\n");
    out.push_str(&comment(&format!(
        "{} ({}), exported by SageDesk as Python.",
        one_line(name),
        kernel(notebook)
    )));
    out.push_str(&comment(&format!(
        "The cells are written as they are, in Sage's syntax, which Python reads otherwise or not at all \
         (2^10 is a power, R.<x> = QQ[] a ring, 1/2 a rational): pass them through \
         sage.repl.preparse.preparse() first, or run the Sage export instead (`sage {file}.sage`)."
    )));
    let uses_ipython = notebook.cells.iter().any(|cell| {
        matches!(cell.kind, CellKind::Code { .. })
            && lines(&cell.source_text())
                .iter()
                .any(|line| matches!(line, Line::Special { .. }))
    });
    if uses_ipython {
        out.push_str(&comment(
            "IPython's magics (%), shell commands (!) and help (?) are written as IPython runs them, \
             with get_ipython(): run this file with ipython, or remove them.",
        ));
    }
    write_cells(&mut out, notebook, |code| {
        lines(code)
            .into_iter()
            .map(|line| match line {
                Line::Python(line) => line,
                Line::Special { python, .. } => python + "\n",
            })
            .collect()
    });
    out
}

/// Appends each cell after two blank lines: a code cell (not blank) after
/// its prompt, as `code` writes it; markdown and raw cells as comments.
fn write_cells(out: &mut String, notebook: &Notebook, code: impl Fn(&str) -> String) {
    for cell in &notebook.cells {
        let source = cell.source_text();
        if source.trim().is_empty() {
            continue;
        }
        out.push_str("\n\n");
        match &cell.kind {
            CellKind::Code {
                execution_count, ..
            } => {
                let count = execution_count.map_or(" ".to_owned(), |count| count.to_string());
                out.push_str(&format!("# In[{count}]:\n\n"));
                out.push_str(&code(&source));
            }
            CellKind::Markdown | CellKind::Raw => out.push_str(&comment(&source)),
        }
    }
}

/// `text` as comment lines, each ended by a line break.
pub(crate) fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in python_lines(text.trim_end_matches(['\n', '\r'])) {
        let line: String = line
            .chars()
            .filter(|c| !c.is_control() || *c == '\t')
            .collect();
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The lines IPython's syntax took, as comments: in a block (`indent`), the
/// first a `pass`, so the block is not left empty.
fn commented(lines: &[String], indent: &str) -> String {
    let mut out = String::new();
    let mut first = true;
    for line in lines {
        let text = line.strip_prefix(indent).unwrap_or(line);
        for comment_line in comment(text).lines() {
            out.push_str(indent);
            if first && !indent.is_empty() {
                out.push_str("pass  ");
            }
            first = false;
            out.push_str(comment_line);
            out.push('\n');
        }
    }
    out
}

/// `text` split where Python ends a line: `\r\n`, `\n`, or a lone `\r`.
fn python_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.find(['\r', '\n']) {
            Some(at) => {
                let skip = if text[at..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&text[at + skip..]);
                Some(&text[..at])
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// A name for a one-line comment: controls as spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The notebook's kernel, as its metadata names it.
fn kernel(notebook: &Notebook) -> String {
    notebook.kernelspec().map_or_else(
        || "no kernel named".to_owned(),
        |spec| one_line(&spec.display_name),
    )
}

/// `ch1/limits.ipynb` → `limits`.
fn file_stem(name: &str) -> String {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    one_line(file.strip_suffix(".ipynb").unwrap_or(file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notebook::Cell;

    fn notebook(cells: Vec<Cell>) -> Notebook {
        let mut notebook = Notebook::new_sage("10.8");
        notebook.cells = cells;
        notebook
    }

    #[test]
    fn a_sage_script_keeps_code_and_comments_the_rest() {
        let mut run = Cell::code("c1".into(), "factor(2^64+1)");
        run.set_outputs([], Some(2));
        let script = sage(
            &notebook(vec![
                Cell::markdown("m".into(), "# Factoring\n\nFermat's $F_6$:\n"),
                run,
                Cell::code(
                    "c2".into(),
                    "%timeit factor(2^64+1)\nfactor?\nR.<x> = QQ[]\n!ls\n",
                ),
                Cell::code("c3".into(), "for i in range(3):\n    %time f(i)\n"),
                Cell::code("c4".into(), "%%bash\necho hi\n"),
                Cell::code("blank".into(), "  \n"),
                Cell::raw("r".into(), "raw\ttext"),
            ]),
            "ch1/fermat.ipynb",
        );
        assert_eq!(
            script,
            "#!/usr/bin/env sage\n\
             # ch1/fermat.ipynb (SageMath 10.8), exported by SageDesk as a Sage script: run it with `sage fermat.sage`.\n\
             # Markdown and raw cells are comments, and so are IPython's magics (%), shell commands (!) and help (?), which are not Sage.\n\
             \n\n\
             # # Factoring\n\
             #\n\
             # Fermat's $F_6$:\n\
             \n\n\
             # In[2]:\n\n\
             factor(2^64+1)\n\
             \n\n\
             # In[ ]:\n\n\
             # %timeit factor(2^64+1)\n\
             # factor?\n\
             R.<x> = QQ[]\n\
             # !ls\n\
             \n\n\
             # In[ ]:\n\n\
             for i in range(3):\n    pass  # %time f(i)\n\
             \n\n\
             # In[ ]:\n\n\
             # %%bash\n\
             # echo hi\n\
             \n\n\
             # raw\ttext\n"
        );
    }

    #[test]
    fn a_python_script_has_ipython_s_calls_and_sage_s_import_first() {
        let script = python(
            &notebook(vec![Cell::code(
                "c".into(),
                "x = 1\n%time f(x)\nfiles = !ls",
            )]),
            "a.ipynb",
        );
        assert!(script.starts_with(
            "from sage.all import *\n# a.ipynb (SageMath 10.8), exported by SageDesk as Python.\n"
        ));
        assert!(script.contains("preparse()"));
        assert!(script.contains("run this file with ipython"));
        assert!(script.ends_with(
            "# In[ ]:\n\nx = 1\nget_ipython().run_line_magic('time', 'f(x)')\nfiles = get_ipython().getoutput('ls')\n"
        ));
        let plain = python(&notebook(vec![Cell::code("c".into(), "1+1")]), "a.ipynb");
        assert!(!plain.contains("ipython"));
    }

    #[test]
    fn nothing_in_a_comment_can_end_it() {
        let hostile = "a\rprint('ran')\r\nb\u{0}\u{1b}[31m\nc\u{2028}d";
        let text = comment(hostile);
        assert_eq!(text, "# a\n# print('ran')\n# b[31m\n# c\u{2028}d\n");
        // Every line is a comment.
        for line in text.split(['\n', '\r']).filter(|l| !l.is_empty()) {
            assert!(line.starts_with('#'), "{line:?}");
        }
        let script = sage(
            &notebook(vec![
                Cell::markdown("m".into(), hostile),
                Cell::code("c".into(), "%time 1\rimport os"),
            ]),
            "x\ny.ipynb",
        );
        assert!(
            script.starts_with("#!/usr/bin/env sage\n# x y.ipynb (SageMath 10.8)"),
            "{script}"
        );
        assert!(!script.contains('\r'), "{script:?}");
    }
}
