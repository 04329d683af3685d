//! Documents a kernel shows as outputs (`application/pdf`): the window
//! offers them to open in the system's viewer or to save, and an exported
//! page links to them. Their bytes are the kernel's, so hostile: they are
//! written only once they decode and begin as a PDF does.

use base64::Engine as _;

/// The largest document kept from an output.
pub const MAX_DOCUMENT_BYTES: usize = 100 << 20;

/// The bytes of a PDF an output holds as base64 (nbformat's form for
/// binary data, whitespace allowed), or why it is not one.
pub fn pdf_bytes(data: &str) -> Result<Vec<u8>, &'static str> {
    let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.len() / 4 * 3 > MAX_DOCUMENT_BYTES + 3 {
        return Err("the document is larger than 100 MiB");
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| "the output's data is not base64")?;
    if !bytes.starts_with(b"%PDF-") {
        return Err("the output's data is not a PDF document");
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pdf_decodes_with_nbformat_s_whitespace() {
        let data = "JVBERi0x\nLjQKJeLj\nz9MK";
        assert_eq!(pdf_bytes(data).unwrap(), b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
    }

    #[test]
    fn what_is_not_a_pdf_is_refused_with_its_reason() {
        // An HTML page dressed as a PDF output.
        assert_eq!(
            pdf_bytes("PGh0bWw+PC9odG1sPg=="),
            Err("the output's data is not a PDF document")
        );
        assert_eq!(
            pdf_bytes("%PDF-1.4"),
            Err("the output's data is not base64")
        );
        assert_eq!(
            pdf_bytes(""),
            Err("the output's data is not a PDF document")
        );
    }
}
