//! MathJax 3 in the exported page, so that its maths is typeset offline:
//! the `es5/tex-svg-full.js` bundle of the npm package `mathjax-full`, the
//! version the window uses (`ui/package-lock.json`), vendored in
//! `src/export/assets/` with its licence (Apache-2.0) so that the crate
//! builds without `node_modules`. A test fails when the two versions
//! differ; `scripts/refresh-mathjax.sh` copies the window's bundle over.
//!
//! SVG output needs no web fonts (the glyphs are paths), so nothing is
//! fetched. The page does not let MathJax look for maths by itself: it
//! typesets the maths elements the export wrote (TeX as their text), one by
//! one, so a `$` in code or in an output's text is never taken for maths.
//! As in the window, the TeX packages that would act on the page or load
//! code are left out: `html` (`\href`, `\class`, `\style`, `\cssId`) and
//! `require`/`autoload`; and so is the menu, whose options load extensions.

/// The bundle, as the page embeds it in a `<script>` element.
pub(crate) const BUNDLE: &str = include_str!("assets/tex-svg-full.js");

/// MathJax's configuration, before the bundle: Sage's LaTeX macros (as
/// `sage.misc.latex_macros.sage_mathjax_macros()` gives them in SageMath
/// 10.8, the window's `ui/src/lib/outputs/macros.ts`), `\Frac`, which
/// course notes use.
pub(crate) const CONFIG: &str = r#"window.MathJax = {
  loader: { load: [] },
  startup: { typeset: false },
  options: { enableMenu: false },
  tex: {
    packages: { '[-]': ['html', 'require', 'autoload'] },
    macros: {
      ZZ: '\\Bold{Z}', NN: '\\Bold{N}', RR: '\\Bold{R}', CC: '\\Bold{C}', QQ: '\\Bold{Q}',
      QQbar: '\\overline{\\QQ}', GF: ['\\Bold{F}_{#1}', 1], Zp: ['\\Bold{Z}_{#1}', 1],
      Qp: ['\\Bold{Q}_{#1}', 1], Zmod: ['\\ZZ/#1\\ZZ', 1], CDF: '\\Bold{C}', CIF: '\\Bold{C}',
      CLF: '\\Bold{C}', RDF: '\\Bold{R}', RIF: '\\Bold{I} \\Bold{R}', RLF: '\\Bold{R}',
      SL: '\\mathrm{SL}', PSL: '\\mathrm{PSL}', lcm: '\\mathop{\\operatorname{lcm}}',
      dist: '\\mathrm{dist}', im: '\\mathop{\\operatorname{im}}',
      rank: '\\mathop{\\operatorname{rank}}', PP: '\\Bold{P}', OO: '\\mathcal{O}',
      Bold: ['\\mathbf{#1}', 1], Frac: '\\operatorname{Frac}'
    }
  },
  svg: { fontCache: 'local' }
};"#;

/// After the bundle: typesets each maths element in place (a TeX error
/// shows as MathJax's red message; a failure leaves the TeX as it is).
pub(crate) const TYPESET: &str = "MathJax.startup.promise.then(function(){\
     var nodes=document.querySelectorAll('span.math');\
     for(var i=0;i<nodes.length;i++){var node=nodes[i];try{\
     var svg=MathJax.tex2svg(node.textContent,{display:node.getAttribute('data-display')==='true'});\
     node.textContent='';node.appendChild(svg);node.classList.add('typeset')}catch(e){}}\
     document.head.appendChild(MathJax.svgStylesheet())});";

/// In an HTML output's frame in the window (served to it as one script, see
/// [`frame_script`]): the maths in the output's text is typeset where it
/// is, as JupyterLab typesets HTML outputs: `$…$`, `$$…$$`, `\(…\)`,
/// `\[…\]`, and the `<script type="math/tex">` elements older Sage wrote.
/// The frame is told its new height by the frame's own height script.
const FRAME_TYPESET: &str = r#"MathJax.startup.promise.then(function () {
  var scripts = document.querySelectorAll('script[type^="math/tex"]');
  for (var i = 0; i < scripts.length; i++) {
    var s = scripts[i];
    var display = /mode\s*=\s*display/.test(s.type);
    s.replaceWith(document.createTextNode((display ? '\\[' : '\\(') + s.textContent + (display ? '\\]' : '\\)')));
  }
  return MathJax.typesetPromise([document.body]);
}).then(function () {
  document.head.appendChild(MathJax.svgStylesheet());
});"#;

/// The script an HTML output's frame loads when its text has maths:
/// MathJax's configuration (looking for maths in the page, code and
/// preformatted text left alone), the bundle, and [`FRAME_TYPESET`].
pub fn frame_script() -> String {
    let config = CONFIG
        .replace(
            "options: { enableMenu: false },",
            "options: { enableMenu: false, skipHtmlTags: ['script', 'noscript', 'style', 'textarea', 'pre', 'code'] },",
        )
        .replace(
            "  tex: {\n",
            "  tex: {\n    inlineMath: [['$', '$'], ['\\\\(', '\\\\)']],\n    processEscapes: true,\n",
        );
    format!("{}\n{config}\n{BUNDLE}\n{FRAME_TYPESET}\n", notice())
}

/// The notice the page carries with the bundle: what it is, whose, and
/// its licence.
pub(crate) fn notice() -> String {
    format!(
        "/* MathJax {} (mathjax-full, es5/tex-svg-full.js), Copyright (c) The MathJax Consortium, \
         licensed under the Apache License, Version 2.0: http://www.apache.org/licenses/LICENSE-2.0 */",
        version_of(BUNDLE).unwrap_or("3")
    )
}

/// The version of MathJax in `bundle` (`3.2.2`): its core module's
/// `VERSION`, the one after `VERSION=void 0,` (the bundle holds other
/// `VERSION`s, the speech rule engine's).
pub(crate) fn version_of(bundle: &str) -> Option<&str> {
    let core = bundle.find("VERSION=void 0,")?;
    let rest = &bundle[core..];
    let value = &rest[rest.find("VERSION=\"")? + "VERSION=\"".len()..];
    Some(&value[..value.find('"')?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The version of `mathjax-full` the window's lock file pins.
    fn locked_version() -> String {
        let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/package-lock.json");
        let lock: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&lock).expect("ui/package-lock.json")).unwrap();
        lock["packages"]["node_modules/mathjax-full"]["version"]
            .as_str()
            .expect("the lock file pins mathjax-full")
            .to_owned()
    }

    #[test]
    fn the_frames_script_looks_for_maths_in_text_with_the_packages_that_act_left_out() {
        let script = frame_script();
        let config = &script[..script.find(BUNDLE).expect("the bundle is inside")];
        for expected in [
            "inlineMath: [['$', '$'], ['\\\\(', '\\\\)']]",
            "processEscapes: true",
            "skipHtmlTags: ['script', 'noscript', 'style', 'textarea', 'pre', 'code']",
            "'[-]': ['html', 'require', 'autoload']",
            "Bold: ['\\\\mathbf{#1}', 1]",
        ] {
            assert!(config.contains(expected), "{expected} not in {config}");
        }
        assert!(script.ends_with(&format!("{FRAME_TYPESET}\n")));
    }

    #[test]
    fn the_vendored_bundle_is_the_version_the_window_uses() {
        let vendored = version_of(BUNDLE).expect("the bundle names its version");
        assert!(vendored.starts_with("3."), "{vendored}");
        assert_eq!(
            vendored,
            locked_version(),
            "src/export/assets/tex-svg-full.js is not the mathjax-full of ui/package-lock.json: \
             run scripts/refresh-mathjax.sh after `npm ci` in ui/"
        );
        // Where the window's packages are installed, the very same file.
        let installed = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("ui/node_modules/mathjax-full/es5/tex-svg-full.js");
        if let Ok(installed) = std::fs::read_to_string(installed) {
            assert!(
                installed == BUNDLE,
                "the vendored bundle differs from ui/node_modules': run scripts/refresh-mathjax.sh"
            );
        }
    }

    #[test]
    fn the_bundle_cannot_end_its_script_element_early() {
        // Inside <script>, `</script` ends the element, and `<!--` then
        // `<script` changes how the rest is read (the bundle has a `<!--`,
        // in a regular expression, but no `<script`).
        for script in [BUNDLE, CONFIG, TYPESET, super::super::frame::PAGE_SCRIPT] {
            let lower = script.to_ascii_lowercase();
            assert!(!lower.contains("</script"));
            assert!(!lower.contains("<script"));
        }
    }

    #[test]
    fn the_version_is_read_from_the_core_module() {
        assert_eq!(
            version_of("x.VERSION=\"4.0.6\";e.VERSION=void 0,e.VERSION=\"3.2.2\"}"),
            Some("3.2.2")
        );
        assert_eq!(version_of("no version"), None);
    }
}
