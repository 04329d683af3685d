//! HTML outputs in the exported page: untrusted, as in the window, so each
//! is a sandboxed frame holding its own document (`srcdoc`), never markup
//! of the page itself.
//!
//! The frame may run scripts (`sandbox="allow-scripts"`, nothing more), as
//! the window's frames do, since HTML outputs often need them, but with no
//! same-origin: it cannot reach the page, its storage or other frames,
//! open windows, navigate the page or submit forms. Its document carries a
//! Content-Security-Policy that fetches nothing (inline scripts and styles,
//! `data:` images and fonts only); a `srcdoc` frame also inherits the
//! page's own policy, which says the same. A script of ours in the frame's
//! head, before any of the output, reports its height to the page, which
//! sizes the frame within bounds.

use super::escape;

/// What an output's frame may do: scripts only.
const SANDBOX: &str = "allow-scripts";

/// The policy of a frame's document (and of the page: see
/// [`super::html`]): inline scripts and styles, `data:` images, fonts and
/// media; nothing fetched, no forms, no `<base>`.
pub(crate) const POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; \
     style-src 'unsafe-inline'; img-src data:; font-src data:; media-src data:; \
     connect-src 'none'; form-action 'none'; base-uri 'none'";

const FRAME_CSS: &str = "html{color-scheme:light}body{margin:0;padding:2px 0;\
     font:14px/1.45 system-ui,sans-serif;overflow-x:auto}\
     table{border-collapse:collapse}td,th{padding:2px 8px}";

/// Runs first in the frame: reports the document's height whenever it
/// changes; a click on a link leaving the document does nothing (the
/// sandbox would refuse to navigate the page anyway).
const FRAME_SCRIPT: &str = "(function(){var last=0;function post(){\
     var h=Math.ceil(document.documentElement.getBoundingClientRect().height);\
     if(h!==last){last=h;parent.postMessage({sagedeskFrameHeight:h},'*')}}\
     if(window.ResizeObserver)new ResizeObserver(post).observe(document.documentElement);\
     addEventListener('load',post);addEventListener('DOMContentLoaded',post);\
     addEventListener('click',function(e){var a=e.target&&e.target.closest&&e.target.closest('a[href],area[href]');\
     if(a&&a.getAttribute('href').charAt(0)!=='#')e.preventDefault()},true)})();";

/// The page's side: a frame's height, from that frame only, between 24 and
/// 2400 pixels. Frames that cannot say (scripts off) keep their default.
pub(crate) const PAGE_SCRIPT: &str = "(function(){\
     var frames=document.querySelectorAll('iframe.html-output');\
     addEventListener('message',function(event){\
     var data=event.data,h=data&&data.sagedeskFrameHeight;\
     if(typeof h!=='number'||!isFinite(h))return;\
     for(var i=0;i<frames.length;i++){if(frames[i].contentWindow===event.source){\
     frames[i].style.height=Math.min(2400,Math.max(24,Math.ceil(h)))+'px'}}})})();";

/// The frame showing the HTML output `html`.
pub(crate) fn iframe(html: &str) -> String {
    let document = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\">\
         <style>{FRAME_CSS}</style><script>{FRAME_SCRIPT}</script></head><body>{html}</body></html>"
    );
    format!(
        "<iframe class=\"html-output\" title=\"HTML output\" sandbox=\"{SANDBOX}\" \
         referrerpolicy=\"no-referrer\" srcdoc=\"{}\"></iframe>",
        escape::attr(&document)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_is_a_document_in_an_attribute_not_markup_of_the_page() {
        let frame = iframe("<script>parent.document.title='x'</script>\"><b onclick=\"y\">");
        assert!(frame.starts_with("<iframe class=\"html-output\""));
        assert!(frame.contains("sandbox=\"allow-scripts\""));
        assert!(!frame.contains("allow-same-origin"));
        // Everything of the output is inside the one attribute: no quote,
        // no tag of its own.
        let srcdoc = frame.split("srcdoc=\"").nth(1).unwrap();
        let (value, after) = srcdoc.split_once('"').unwrap();
        assert_eq!(after, "></iframe>");
        assert!(!value.contains('<') && !value.contains('>'));
        assert!(value.contains("&lt;script&gt;parent.document.title=&#39;x&#39;&lt;/script&gt;"));
        assert!(value.contains("Content-Security-Policy"));
    }
}
