//! A small A4 page layout on `pdf-writer`: blocks of text in the PDF
//! standard fonts (nothing embedded), wrapped to the measure, broken into
//! pages, with a running banner (the draft notice) and page numbers.
//!
//! Text stays text (selectable, searchable): every line is a `Tj` in a
//! WinAnsi-encoded standard font. Characters outside WinAnsi become `?`.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::helvetica;

/// A4 in PostScript points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
/// 20 mm margins, the usual for council letters.
const MARGIN: f32 = 56.7;
/// Room kept at the foot of each page for the page number.
const FOOTER: f32 = 28.0;
/// A heading is never left as the last line of a page: it moves to the
/// next page unless this much room remains below it.
const KEEP_WITH_NEXT: f32 = 48.0;
/// A runaway document (a loop upstream, a pasted book) is refused rather
/// than written: no EHC plan comes near this many pages.
pub(super) const MAX_PAGES: usize = 2_000;

/// The WinAnsi code written for a character it cannot show.
const REPLACEMENT: u8 = b'?';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    /// The document title.
    Title,
    /// A section heading.
    Heading,
    /// Running text.
    Body,
    /// Running text that continues the block above it (a provision item's
    /// rows): no space before.
    Detail,
    /// A label, in bold body type (a provision item's "What").
    Label,
    /// Provenance and other notes: smaller, oblique, grey.
    Note,
}

impl Style {
    fn font(self) -> Font {
        match self {
            Style::Title | Style::Heading | Style::Label => Font::Bold,
            Style::Body | Style::Detail => Font::Regular,
            Style::Note => Font::Oblique,
        }
    }

    fn size(self) -> f32 {
        match self {
            Style::Title => 20.0,
            Style::Heading => 14.0,
            Style::Body | Style::Detail | Style::Label => 11.0,
            Style::Note => 9.0,
        }
    }

    fn leading(self) -> f32 {
        self.size() * 1.3
    }

    fn space_before(self) -> f32 {
        match self {
            Style::Title => 0.0,
            Style::Heading => 16.0,
            Style::Body | Style::Label => 6.0,
            Style::Detail | Style::Note => 2.0,
        }
    }

    fn gray(self) -> f32 {
        match self {
            Style::Note => 0.3,
            _ => 0.04,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
    Oblique,
}

impl Font {
    const ALL: [Font; 3] = [Font::Regular, Font::Bold, Font::Oblique];

    fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
            Font::Oblique => Name(b"F3"),
        }
    }

    fn base_font(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"Helvetica"),
            Font::Bold => Name(b"Helvetica-Bold"),
            Font::Oblique => Name(b"Helvetica-Oblique"),
        }
    }

    /// Width of one WinAnsi code, in points at `size`.
    fn width(self, code: u8, size: f32) -> f32 {
        let table = match self {
            Font::Bold => &helvetica::HELVETICA_BOLD,
            Font::Regular | Font::Oblique => &helvetica::HELVETICA,
        };
        let units = code
            .checked_sub(32)
            .and_then(|i| table.get(usize::from(i)))
            .copied()
            .unwrap_or(0);
        f32::from(units) * size / 1000.0
    }

    fn text_width(self, text: &[u8], size: f32) -> f32 {
        text.iter().map(|&c| self.width(c, size)).sum()
    }
}

/// One block of text: wrapped to the measure less its indent.
#[derive(Debug, Clone)]
pub(super) struct Block {
    pub style: Style,
    /// Left indent in points.
    pub indent: f32,
    pub text: String,
}

impl Block {
    pub fn new(style: Style, text: impl Into<String>) -> Self {
        Block {
            style,
            indent: 0.0,
            text: text.into(),
        }
    }

    pub fn indented(mut self, indent: f32) -> Self {
        self.indent = indent;
        self
    }
}

/// What to lay out.
#[derive(Debug, Clone)]
pub(super) struct Document {
    /// The document's title metadata (and the reader's window title).
    pub title: String,
    /// Printed at the head of every page, and as a faint diagonal mark
    /// (the draft notice); `None` for none.
    pub banner: Option<String>,
    pub blocks: Vec<Block>,
}

/// Too many pages: see [`MAX_PAGES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TooLong {
    pub pages: usize,
}

/// One placed line.
#[derive(Debug)]
struct Line {
    font: Font,
    size: f32,
    gray: f32,
    x: f32,
    y: f32,
    text: Vec<u8>,
}

/// Lays the document out and writes it as PDF bytes.
pub(super) fn write(doc: &Document) -> Result<Vec<u8>, TooLong> {
    let pages = lay_out(doc);
    if pages.len() > MAX_PAGES {
        return Err(TooLong { pages: pages.len() });
    }
    Ok(serialise(doc, &pages))
}

fn lay_out(doc: &Document) -> Vec<Vec<Line>> {
    let top = PAGE_HEIGHT - MARGIN - if doc.banner.is_some() { 22.0 } else { 0.0 };
    let bottom = MARGIN + FOOTER;
    let mut pages: Vec<Vec<Line>> = vec![Vec::new()];
    let mut y = top;
    let mut first_on_page = true;
    for block in &doc.blocks {
        let style = block.style;
        let (font, size) = (style.font(), style.size());
        let measure = PAGE_WIDTH - 2.0 * MARGIN - block.indent;
        let lines = wrap(&encode(&block.text), font, size, measure);
        let keep = if style == Style::Heading {
            KEEP_WITH_NEXT
        } else {
            0.0
        };
        let mut space = if first_on_page {
            0.0
        } else {
            style.space_before()
        };
        for (i, text) in lines.into_iter().enumerate() {
            let needed = space + style.leading() + if i == 0 { keep } else { 0.0 };
            if y - needed < bottom && !first_on_page {
                pages.push(Vec::new());
                y = top;
                space = 0.0;
            }
            y -= space + style.leading();
            space = 0.0;
            first_on_page = false;
            if let Some(page) = pages.last_mut() {
                page.push(Line {
                    font,
                    size,
                    gray: style.gray(),
                    x: MARGIN + block.indent,
                    y: y + style.leading() - size,
                    text,
                });
            }
        }
        if pages.last().is_some_and(Vec::is_empty) {
            first_on_page = true;
        }
    }
    pages
}

/// Breaks encoded text into lines no wider than `measure`: at spaces, and
/// inside a word only when the word alone is wider than the line. A
/// newline in the text is a line break; a blank line keeps its height.
fn wrap(text: &[u8], font: Font, size: f32, measure: f32) -> Vec<Vec<u8>> {
    let space = font.width(b' ', size);
    let mut lines = Vec::new();
    for hard in text.split(|&c| c == b'\n') {
        let mut line: Vec<u8> = Vec::new();
        let mut width = 0.0;
        for word in hard.split(|&c| c == b' ').filter(|w| !w.is_empty()) {
            let word_width = font.text_width(word, size);
            if !line.is_empty() && width + space + word_width <= measure {
                line.push(b' ');
                line.extend_from_slice(word);
                width += space + word_width;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word starts a line; split it if it is wider than one.
            width = 0.0;
            for &c in word {
                let w = font.width(c, size);
                if width + w > measure && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    width = 0.0;
                }
                line.push(c);
                width += w;
            }
        }
        lines.push(line);
    }
    lines
}

/// Text as WinAnsiEncoding bytes: Latin-1 and the usual typographic marks
/// as themselves, combining accents dropped (the base letter stays), tabs
/// and other spaces as a space, anything else as `?`.
fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let code = match c {
            '\n' => Some(b'\n'),
            '\r' => None,
            '\t' | '\u{a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' => Some(b' '),
            ' '..='~' => u8::try_from(u32::from(c)).ok(),
            '\u{a1}'..='\u{ff}' => u8::try_from(u32::from(c)).ok(),
            '\u{300}'..='\u{36f}' | '\u{200b}'..='\u{200d}' | '\u{feff}' => None,
            '€' => Some(0x80),
            '‚' => Some(0x82),
            '„' => Some(0x84),
            '…' => Some(0x85),
            '‘' => Some(0x91),
            '’' => Some(0x92),
            '“' => Some(0x93),
            '”' => Some(0x94),
            '•' => Some(0x95),
            '–' => Some(0x96),
            '—' => Some(0x97),
            '™' => Some(0x99),
            _ if c.is_control() => None,
            _ => Some(REPLACEMENT),
        };
        out.extend(code);
    }
    out
}

fn serialise(doc: &Document, pages: &[Vec<Line>]) -> Vec<u8> {
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let info_id = Ref::new(3);
    let font_ids = [Ref::new(4), Ref::new(5), Ref::new(6)];
    let first_page = 7;
    // Each page is followed by its content stream.
    let page_ids: Vec<Ref> = (first_page..)
        .step_by(2)
        .take(pages.len())
        .map(Ref::new)
        .collect();

    let mut pdf = Pdf::new();
    {
        let mut catalog = pdf.catalog(catalog_id);
        catalog.pages(tree_id);
        catalog.lang(TextStr("en-GB"));
        catalog.viewer_preferences().display_doc_title(true);
    }
    pdf.document_info(info_id)
        .title(TextStr(&doc.title))
        .producer(TextStr("tellonce"));
    let count = i32::try_from(pages.len()).unwrap_or(i32::MAX);
    pdf.pages(tree_id)
        .kids(page_ids.iter().copied())
        .count(count);
    for (font, id) in Font::ALL.iter().zip(font_ids) {
        pdf.type1_font(id)
            .base_font(font.base_font())
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }

    let banner = doc.banner.as_deref().map(encode);
    for (n, (lines, page_id)) in pages.iter().zip(&page_ids).enumerate() {
        let content_id = Ref::new(page_id.get() + 1);
        let mut content = Content::new();
        if let Some(banner) = &banner {
            watermark(&mut content, banner);
        }
        for line in lines {
            content.begin_text();
            content.set_fill_gray(line.gray);
            content.set_font(line.font.resource(), line.size);
            content.next_line(line.x, line.y);
            content.show(Str(&line.text));
            content.end_text();
        }
        let footer = encode(&format!("Page {} of {}", n + 1, pages.len()));
        let width = Font::Regular.text_width(&footer, 9.0);
        content.begin_text();
        content.set_fill_gray(0.3);
        content.set_font(Font::Regular.resource(), 9.0);
        content.next_line((PAGE_WIDTH - width) / 2.0, MARGIN);
        content.show(Str(&footer));
        content.end_text();
        let data = content.finish();
        pdf.stream(content_id, &data);

        let mut page = pdf.page(*page_id);
        page.parent(tree_id)
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        for (font, id) in Font::ALL.iter().zip(font_ids) {
            fonts.pair(font.resource(), id);
        }
        fonts.finish();
        resources.finish();
        page.finish();
    }
    pdf.finish()
}

/// The banner at the head of the page, and a faint diagonal "DRAFT" behind
/// the text, drawn first so the text stays on top.
fn watermark(content: &mut Content, banner: &[u8]) {
    let size = 96.0;
    let mark = b"DRAFT";
    let width = Font::Bold.text_width(mark, size);
    let (sin, cos) = std::f32::consts::FRAC_PI_4.sin_cos();
    content.begin_text();
    content.set_fill_gray(0.9);
    content.set_font(Font::Bold.resource(), size);
    let (cx, cy) = (PAGE_WIDTH / 2.0, PAGE_HEIGHT / 2.0);
    let x = cx - (width / 2.0) * cos + (size / 3.0) * sin;
    let y = cy - (width / 2.0) * sin - (size / 3.0) * cos;
    content.set_text_matrix([cos, sin, -sin, cos, x, y]);
    content.show(Str(mark));
    content.end_text();

    content.begin_text();
    content.set_fill_gray(0.04);
    content.set_font(Font::Bold.resource(), 11.0);
    content.next_line(MARGIN, PAGE_HEIGHT - MARGIN - 11.0);
    content.show(Str(banner));
    content.end_text();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_keeps_latin_1_and_replaces_the_rest() {
        assert_eq!(encode("Zoë – “hi”"), b"Zo\xeb \x96 \x93hi\x94".to_vec());
        assert_eq!(encode("日本 😀"), b"?? ?".to_vec());
        // A decomposed accent keeps its letter.
        assert_eq!(encode("e\u{301}"), b"e".to_vec());
    }

    #[test]
    fn wrapping_respects_the_measure_and_hard_breaks() {
        let text = encode("one two three four five six seven\nlast");
        let lines = wrap(&text, Font::Regular, 11.0, 80.0);
        assert!(lines.len() > 2, "{lines:?}");
        for line in &lines {
            assert!(Font::Regular.text_width(line, 11.0) <= 80.0, "{line:?}");
        }
        assert_eq!(lines.last().map(Vec::as_slice), Some(&b"last"[..]));
        let joined: Vec<u8> = lines.join(&b' ');
        assert_eq!(joined, b"one two three four five six seven last".to_vec());
    }

    #[test]
    fn a_word_wider_than_the_line_is_split() {
        let text = vec![b'W'; 200];
        let lines = wrap(&text, Font::Bold, 11.0, 100.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.iter().map(Vec::len).sum::<usize>(), 200);
    }
}
