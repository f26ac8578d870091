//! A small RFC 4180 CSV reader for the run files `draw_run` reads, with errors that name
//! the file and line.
//!
//! Handles quoted fields (with `""` escapes and embedded commas or newlines), `\n` and
//! `\r\n` line ends, and skips blank lines. Columns are found by header name, so extra
//! columns and any column order are accepted.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use crate::PlotError;

/// Bytes read from the input at a time. The reader holds one block and the part of a record
/// that runs past it, so a long run's `timeseries.csv` is never in memory whole.
const BLOCK: usize = 1 << 20;

/// One data record: the 1-based line it starts on and its fields, borrowed from the block
/// of input being read (a quoted field with `""` escapes is the one copy).
#[derive(Debug)]
pub(crate) struct Record<'r, 'a> {
    /// 1-based line number of the record's first character.
    pub(crate) line: usize,
    /// The unquoted field values, as many as the header's.
    pub(crate) fields: &'r [Cow<'a, str>],
}

/// A CSV file's path and header: columns by name, numbers with errors that name the line.
#[derive(Debug)]
pub(crate) struct Table<'a> {
    path: &'a Path,
    /// Header names, in file order.
    header: Vec<String>,
}

/// The records of a CSV file after its header, read block by block from `R`
/// ([`Records::for_each`]).
pub(crate) struct Records<'a, R> {
    path: &'a Path,
    reader: R,
    /// Input read and not yet split into records: `buf[start..]`.
    buf: Vec<u8>,
    start: usize,
    /// The reader has nothing more.
    eof: bool,
    /// 1-based line of `buf[start]`.
    line: usize,
    /// Fields per record (the header's).
    width: usize,
    /// Bytes to read at a time ([`BLOCK`]; less in tests).
    block: usize,
}

impl<'a> Table<'a> {
    /// Reads the header of the CSV text in `input`, read from `path` (used in error
    /// messages); the records follow in the second value. An empty input (or one of blank
    /// lines only) gives a table with no header and no records.
    pub(crate) fn read<R: Read>(
        path: &'a Path,
        input: R,
    ) -> Result<(Table<'a>, Records<'a, R>), PlotError> {
        Self::read_by(path, input, BLOCK)
    }

    /// [`Table::read`] reading `block` bytes at a time.
    fn read_by<R: Read>(
        path: &'a Path,
        input: R,
        block: usize,
    ) -> Result<(Table<'a>, Records<'a, R>), PlotError> {
        let mut records = Records {
            path,
            reader: input,
            buf: Vec::new(),
            start: 0,
            eof: false,
            line: 1,
            width: 0,
            block,
        };
        let mut header = Vec::new();
        records.scan(|_, fields| {
            header = (fields.iter())
                .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
                .collect();
            Ok(false)
        })?;
        records.width = header.len();
        Ok((Table { path, header }, records))
    }

    /// True if the file had no header line at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.header.is_empty()
    }

    /// Index of the column named `name`, or an error naming line 1 and the missing column.
    pub(crate) fn column(&self, name: &str) -> Result<usize, PlotError> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            let message = format!(
                "missing column `{name}` (header is `{}`)",
                self.header.join(",")
            );
            csv_error(self.path, 1, message)
        })
    }

    /// Parses field `col` of `rec` as a float (`NaN` and `inf` are accepted), or an error
    /// naming the line, column and text.
    pub(crate) fn number(&self, rec: &Record<'_, '_>, col: usize) -> Result<f64, PlotError> {
        let text = rec.fields[col].trim();
        text.parse::<f64>().map_err(|_| {
            let message = format!("column `{}`: `{text}` is not a number", self.header[col]);
            csv_error(self.path, rec.line, message)
        })
    }
}

impl<R: Read> Records<'_, R> {
    /// Calls `each` with every data record, in file order, until it returns an error; a
    /// record with other than the header's field count, text that is not CSV or not UTF-8,
    /// or a failed read is an error.
    pub(crate) fn for_each(
        mut self,
        mut each: impl FnMut(&Record<'_, '_>) -> Result<(), PlotError>,
    ) -> Result<(), PlotError> {
        let (path, width) = (self.path, self.width);
        self.scan(|line, fields| {
            if fields.len() != width {
                let message = format!(
                    "expected {width} fields as in the header, found {}",
                    fields.len()
                );
                return Err(csv_error(path, line, message));
            }
            each(&Record { line, fields })?;
            Ok(true)
        })
    }

    /// Calls `each` with the line and fields of every record not yet read, until it returns
    /// false or an error. Splits the input at line ends; a quoted field that runs past the
    /// last line end read so far (a newline inside quotes) is read again with more input.
    fn scan(
        &mut self,
        mut each: impl FnMut(usize, &[Cow<'_, str>]) -> Result<bool, PlotError>,
    ) -> Result<(), PlotError> {
        let mut want_more = false;
        loop {
            let pending = &self.buf[self.start..];
            let end = if self.eof {
                Some(self.buf.len())
            } else if want_more {
                None
            } else {
                (pending.iter().rposition(|&b| b == b'\n')).map(|i| self.start + i + 1)
            };
            let Some(end) = end else {
                self.fill()?;
                want_more = false;
                continue;
            };
            let block = &self.buf[self.start..end];
            let text = std::str::from_utf8(block).map_err(|e| {
                // Named by line and byte: the text before it is valid.
                let before = &block[..e.valid_up_to()];
                let newlines = before.iter().filter(|&&b| b == b'\n').count();
                let column = before.len()
                    - before
                        .iter()
                        .rposition(|&b| b == b'\n')
                        .map_or(0, |i| i + 1);
                let message = format!(
                    "byte {} of the line is not UTF-8 text (0x{:02x})",
                    column + 1,
                    block[e.valid_up_to()]
                );
                csv_error(self.path, self.line + newlines, message)
            })?;
            let mut scan = Scanner {
                text,
                pos: 0,
                line: self.line,
                open_quote: false,
            };
            // Borrows this block: made again for the next.
            let mut fields = Vec::new();
            let mut stop = false;
            loop {
                let (pos, line) = (scan.pos, scan.line);
                match scan.next_record(&mut fields) {
                    Ok(Some(at)) => {
                        if !each(at, &fields)? {
                            stop = true;
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(_) if !self.eof && scan.open_quote => {
                        // The record goes on past this block: again, with more input.
                        (scan.pos, scan.line) = (pos, line);
                        want_more = true;
                        break;
                    }
                    Err((line, message)) => return Err(csv_error(self.path, line, message)),
                }
            }
            self.start += scan.pos;
            self.line = scan.line;
            if stop || (self.eof && self.start == self.buf.len()) {
                return Ok(());
            }
        }
    }

    /// Reads the next block after what is left unread (moved to the front first): at
    /// least a block, and at least as much as is left (a record longer than a block takes
    /// reads that double, not one more block at a time), unless the input ends first.
    fn fill(&mut self) -> Result<(), PlotError> {
        self.buf.drain(..self.start);
        self.start = 0;
        let have = self.buf.len();
        let want = self.block.max(have);
        self.buf.resize(have + want, 0);
        let mut got = 0;
        while got < want {
            match self.reader.read(&mut self.buf[have + got..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(PlotError::Io {
                        path: self.path.to_path_buf(),
                        source,
                    })
                }
            }
        }
        self.buf.truncate(have + got);
        Ok(())
    }
}

fn csv_error(path: &Path, line: usize, message: String) -> PlotError {
    PlotError::Csv {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// Splits CSV text into records, one at a time. It looks at bytes: the delimiters (`,`,
/// `"`, CR, LF) are ASCII, and no byte of a multi-byte UTF-8 character is, so every field
/// boundary is a character boundary.
struct Scanner<'a> {
    text: &'a str,
    /// Byte offset of the next record.
    pos: usize,
    /// 1-based line of `pos`.
    line: usize,
    /// The last error was a quoted field still open at the end of the text.
    open_quote: bool,
}

impl<'a> Scanner<'a> {
    /// Reads the next record that is not a blank line into `fields` (cleared first) and
    /// returns the line it starts on; `None` at the end of the text. Errors carry the line.
    fn next_record(
        &mut self,
        fields: &mut Vec<Cow<'a, str>>,
    ) -> Result<Option<usize>, (usize, String)> {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() {
            let start = self.line;
            fields.clear();
            // Whether the record's last field was quoted (a quoted empty field is not blank).
            let quoted_last = loop {
                let (field, quoted) = self.field(start)?;
                fields.push(field);
                match bytes.get(self.pos) {
                    None => break quoted,
                    Some(b',') => self.pos += 1,
                    Some(b'\n') => {
                        self.pos += 1;
                        self.line += 1;
                        break quoted;
                    }
                    Some(b'\r') if bytes.get(self.pos + 1) == Some(&b'\n') => {
                        self.pos += 2;
                        self.line += 1;
                        break quoted;
                    }
                    Some(_) => {
                        // Only after a quoted field: an unquoted one runs to a delimiter.
                        let c = self.text[self.pos..].chars().next().unwrap_or('?');
                        return Err((self.line, format!("unexpected `{c}` after a quoted field")));
                    }
                }
            };
            let blank = fields.len() == 1 && fields[0].trim().is_empty() && !quoted_last;
            if !blank {
                return Ok(Some(start));
            }
        }
        Ok(None)
    }

    /// Reads one field at `pos`, up to (not including) the delimiter after it; returns it
    /// and whether it was quoted. A quote opens a quoted field only as its first character;
    /// a CR not followed by LF is part of an unquoted field.
    /// `record` is the line the record starts on, which an unterminated quote names.
    fn field(&mut self, record: usize) -> Result<(Cow<'a, str>, bool), (usize, String)> {
        let bytes = self.text.as_bytes();
        let from = self.pos;
        if bytes.get(from) != Some(&b'"') {
            let mut end = from;
            while let Some(&b) = bytes.get(end) {
                if b == b',' || b == b'\n' || (b == b'\r' && bytes.get(end + 1) == Some(&b'\n')) {
                    break;
                }
                end += 1;
            }
            self.pos = end;
            return Ok((Cow::Borrowed(&self.text[from..end]), false));
        }
        let mut owned: Option<String> = None;
        let mut run = from + 1;
        let mut i = run;
        loop {
            match bytes.get(i) {
                None => {
                    self.open_quote = true;
                    return Err((record, "unterminated quoted field".to_owned()));
                }
                Some(b'"') if bytes.get(i + 1) == Some(&b'"') => {
                    // An escaped quote: the text so far and one quote.
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(&self.text[run..=i]);
                    i += 2;
                    run = i;
                }
                Some(b'"') => {
                    let field = match owned {
                        None => Cow::Borrowed(&self.text[run..i]),
                        Some(mut s) => {
                            s.push_str(&self.text[run..i]);
                            Cow::Owned(s)
                        }
                    };
                    self.pos = i + 1;
                    return Ok((field, true));
                }
                Some(b) => {
                    if *b == b'\n' {
                        self.line += 1;
                    }
                    i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const PATH: &str = "t.csv";

    /// Up to `max` pieces of `alphabet`, drawn from `rng`.
    fn random_text(rng: &mut ChaCha8Rng, alphabet: &[&str], max: usize) -> String {
        let len = rng.random_range(0..max);
        (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect()
    }

    /// Records as (line, fields).
    type Rows = Vec<(usize, Vec<String>)>;

    /// Every record of `text`, or the first error.
    fn rows(text: &str) -> Result<Rows, PlotError> {
        let (_, records) = Table::read(Path::new(PATH), text.as_bytes())?;
        let mut out = Vec::new();
        records.for_each(|r| {
            out.push((r.line, r.fields.iter().map(|f| f.to_string()).collect()));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn quoted_fields_crlf_and_blank_lines() {
        let rows = rows("a,b\r\n1,\"x,\"\"y\"\"\"\r\n\r\n\"multi\nline\",2\n3,4").unwrap();
        assert_eq!(
            rows,
            vec![
                (2, vec!["1".to_owned(), "x,\"y\"".to_owned()]),
                (4, vec!["multi\nline".to_owned(), "2".to_owned()]),
                (6, vec!["3".to_owned(), "4".to_owned()]),
            ]
        );
    }

    #[test]
    fn fields_are_borrowed_unless_escaped() {
        let text = "a,b,c\nx,\"y\",\"z\"\"\"\n";
        let (_, records) = Table::read(Path::new(PATH), text.as_bytes()).unwrap();
        records
            .for_each(|r| {
                let kinds: Vec<bool> = (r.fields.iter())
                    .map(|f| matches!(f, Cow::Borrowed(_)))
                    .collect();
                assert_eq!(kinds, [true, true, false]);
                assert_eq!(r.fields[2], "z\"");
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn empty_text_is_empty_table() {
        for text in ["", "\n\n"] {
            let (t, _) = Table::read(Path::new(PATH), text.as_bytes()).unwrap();
            assert!(t.is_empty());
        }
        assert_eq!(rows("a\n").unwrap(), []);
    }

    #[test]
    fn field_count_mismatch_names_line() {
        let e = rows("a,b\n1,2\n3\n").unwrap_err();
        assert!(matches!(e, PlotError::Csv { line: 3, .. }), "{e}");
        assert!(e.to_string().starts_with("t.csv:3:"), "{e}");
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        let e = rows("a\n\"abc\n").unwrap_err();
        assert!(matches!(e, PlotError::Csv { line: 2, .. }), "{e}");
        // Named by the line its record starts on.
        let e = rows("a,b\n1,\"x\ny\n").unwrap_err();
        assert!(matches!(e, PlotError::Csv { line: 2, .. }), "{e}");
        let e = rows("a\n\"x\"y\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:2: unexpected `y` after a quoted field"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_named_by_line_and_byte() {
        let mut text = b"a,b\n1,2\nx".to_vec();
        text.extend([0xff, b',', b'3', b'\n']);
        // Found as the block holding it is read (here the header's), by whichever step.
        let read = |input: &mut dyn Read, block| {
            Table::read_by(Path::new(PATH), input, block)
                .and_then(|(_, records)| records.for_each(|_| Ok(())))
                .unwrap_err()
                .to_string()
        };
        let want = "t.csv:3: byte 2 of the line is not UTF-8 text (0xff)";
        assert_eq!(read(&mut &text[..], BLOCK), want);
        // In pieces, the same.
        let step = 2;
        assert_eq!(read(&mut Trickle { bytes: &text, step }, step), want);
    }

    #[test]
    fn numbers_and_columns() {
        let (t, records) = Table::read(Path::new(PATH), "x,y\n1.5,NaN\nzz,1\n".as_bytes()).unwrap();
        assert_eq!(t.column("y").unwrap(), 1);
        assert!(t
            .column("z")
            .unwrap_err()
            .to_string()
            .contains("missing column `z`"));
        let mut seen = 0;
        let e = records
            .for_each(|r| {
                if seen == 0 {
                    assert_eq!(t.number(r, 0).unwrap(), 1.5);
                    assert!(t.number(r, 1).unwrap().is_nan());
                }
                seen += 1;
                t.number(r, 0).map(|_| ())
            })
            .unwrap_err();
        assert_eq!(seen, 2);
        assert_eq!(e.to_string(), "t.csv:3: column `x`: `zz` is not a number");
    }

    /// The character-at-a-time reader this one replaced (records and fields as owned
    /// strings, the same rules): the reference for the byte scanner.
    fn reference(text: &str) -> Result<Rows, (usize, String)> {
        let mut records = Vec::new();
        let mut chars = text.chars().peekable();
        let mut line = 1;
        while chars.peek().is_some() {
            let start = line;
            let mut fields = Vec::new();
            let mut field = String::new();
            let mut quoted_field = false;
            loop {
                match chars.next() {
                    None => break,
                    Some('"') if field.is_empty() && !quoted_field => {
                        quoted_field = true;
                        loop {
                            match chars.next() {
                                None => return Err((start, "unterminated".to_owned())),
                                Some('"') if chars.peek() == Some(&'"') => {
                                    chars.next();
                                    field.push('"');
                                }
                                Some('"') => break,
                                Some(c) => {
                                    if c == '\n' {
                                        line += 1;
                                    }
                                    field.push(c);
                                }
                            }
                        }
                    }
                    Some(',') => {
                        fields.push(std::mem::take(&mut field));
                        quoted_field = false;
                    }
                    Some('\r') if chars.peek() == Some(&'\n') => {}
                    Some('\n') => {
                        line += 1;
                        break;
                    }
                    Some(_) if quoted_field => return Err((line, "unexpected".to_owned())),
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
            if !(fields.len() == 1 && fields[0].trim().is_empty() && !quoted_field) {
                records.push((start, fields));
            }
        }
        Ok(records)
    }

    /// Random texts over the characters that matter (delimiters, quotes, CR, a space, a
    /// multi-byte character): the scanner gives the reference's records, or an error on
    /// the reference's line.
    #[test]
    fn scanner_matches_the_reference() {
        const ALPHABET: [&str; 8] = [",", "\"", "\n", "\r", "a", " ", "é", "\"\""];
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        let mut compared = (0, 0);
        for _ in 0..20_000 {
            let text = random_text(&mut rng, &ALPHABET, 24);
            let mut scan = Scanner {
                text: &text,
                pos: 0,
                line: 1,
                open_quote: false,
            };
            let mut fields = Vec::new();
            let mut got = Vec::new();
            let got = loop {
                match scan.next_record(&mut fields) {
                    Ok(Some(line)) => {
                        got.push((line, fields.iter().map(|f| f.to_string()).collect()))
                    }
                    Ok(None) => break Ok(got),
                    Err((line, _)) => break Err(line),
                }
            };
            match (reference(&text), got) {
                (Ok(want), Ok(got)) => {
                    assert_eq!(got, want, "{text:?}");
                    compared.0 += 1;
                }
                (Err((want, _)), Err(got)) => {
                    assert_eq!(got, want, "{text:?}");
                    compared.1 += 1;
                }
                (want, got) => panic!("{text:?}: {want:?} vs {got:?}"),
            }
        }
        assert!(compared.0 > 2_000 && compared.1 > 2_000, "{compared:?}");
    }

    /// A reader that hands out a few bytes per read.
    struct Trickle<'t> {
        bytes: &'t [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(self.bytes.len()).min(out.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// Input read a few bytes at a time, in blocks of a few bytes (records longer than a
    /// block, quoted newlines cut anywhere): the same header, records and errors as the
    /// whole text in one block.
    #[test]
    fn input_in_pieces_reads_as_whole() {
        const ALPHABET: [&str; 8] = [",", "\"", "\n", "\r\n", "a", "é", "\"\"", "1"];
        let mut rng = ChaCha8Rng::seed_from_u64(14);
        let read_all = |input: &mut dyn Read, block| -> Result<(Vec<String>, Rows), String> {
            let (t, records) =
                Table::read_by(Path::new(PATH), input, block).map_err(|e| e.to_string())?;
            let mut out = Vec::new();
            records
                .for_each(|r| {
                    out.push((r.line, r.fields.iter().map(|f| f.to_string()).collect()));
                    Ok(())
                })
                .map_err(|e| e.to_string())?;
            Ok((t.header.clone(), out))
        };
        let mut compared = (0, 0);
        for _ in 0..5_000 {
            let text = random_text(&mut rng, &ALPHABET, 40);
            let whole = read_all(&mut text.as_bytes(), BLOCK);
            let step = rng.random_range(1..6);
            let input = &mut Trickle {
                bytes: text.as_bytes(),
                step,
            };
            let pieces = read_all(input, step);
            assert_eq!(pieces, whole, "{text:?} by {step}");
            if whole.is_ok() {
                compared.0 += 1;
            } else {
                compared.1 += 1;
            }
        }
        assert!(compared.0 > 500 && compared.1 > 500, "{compared:?}");
    }
}
