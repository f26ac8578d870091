//! A small RFC 4180 CSV reader for the run files `draw_run` reads, with errors that name
//! the file and line.
//!
//! Handles quoted fields (with `""` escapes and embedded commas or newlines), `\n` and
//! `\r\n` line ends, and skips blank lines. Columns are found by header name, so extra
//! columns and any column order are accepted.

use std::path::{Path, PathBuf};

use crate::PlotError;

/// One data record: the 1-based line it starts on and its fields.
#[derive(Debug)]
pub(crate) struct Record {
    /// 1-based line number of the record's first character.
    pub(crate) line: usize,
    /// The unquoted field values.
    pub(crate) fields: Vec<String>,
}

/// A parsed CSV file: header and records, every record with the header's field count.
#[derive(Debug)]
pub(crate) struct Table {
    path: PathBuf,
    /// Header names, in file order.
    header: Vec<String>,
    /// Data records, in file order.
    pub(crate) records: Vec<Record>,
}

impl Table {
    /// Parses `text`, read from `path` (used in error messages). An empty text gives a table
    /// with no header and no records.
    pub(crate) fn parse(path: &Path, text: &str) -> Result<Table, PlotError> {
        let err = |line, message: String| PlotError::Csv {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut records = split_records(text).map_err(|(line, m)| err(line, m))?;
        if records.is_empty() {
            return Ok(Table {
                path: path.to_path_buf(),
                header: Vec::new(),
                records,
            });
        }
        let header_rec = records.remove(0);
        let header: Vec<String> = header_rec
            .fields
            .into_iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect();
        for r in &records {
            if r.fields.len() != header.len() {
                return Err(err(
                    r.line,
                    format!(
                        "expected {} fields as in the header, found {}",
                        header.len(),
                        r.fields.len()
                    ),
                ));
            }
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            records,
        })
    }

    /// True if the file had no header line at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.header.is_empty()
    }

    /// Index of the column named `name`, or an error naming line 1 and the missing column.
    pub(crate) fn column(&self, name: &str) -> Result<usize, PlotError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| PlotError::Csv {
                path: self.path.clone(),
                line: 1,
                message: format!(
                    "missing column `{name}` (header is `{}`)",
                    self.header.join(",")
                ),
            })
    }

    /// Parses field `col` of `rec` as a float (`NaN` and `inf` are accepted), or an error
    /// naming the line, column and text.
    pub(crate) fn number(&self, rec: &Record, col: usize) -> Result<f64, PlotError> {
        let text = rec.fields[col].trim();
        text.parse::<f64>().map_err(|_| PlotError::Csv {
            path: self.path.clone(),
            line: rec.line,
            message: format!("column `{}`: `{text}` is not a number", self.header[col]),
        })
    }
}

/// Splits `text` into records; errors carry the line number.
fn split_records(text: &str) -> Result<Vec<Record>, (usize, String)> {
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
                            None => return Err((start, "unterminated quoted field".to_owned())),
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
                Some(c) if quoted_field => {
                    return Err((line, format!("unexpected `{c}` after a quoted field")));
                }
                Some(c) => field.push(c),
            }
        }
        fields.push(field);
        let blank = fields.len() == 1 && fields[0].trim().is_empty() && !quoted_field;
        if !blank {
            records.push(Record {
                line: start,
                fields,
            });
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Table, PlotError> {
        Table::parse(Path::new("t.csv"), text)
    }

    #[test]
    fn quoted_fields_crlf_and_blank_lines() {
        let t = parse("a,b\r\n1,\"x,\"\"y\"\"\"\r\n\r\n\"multi\nline\",2\n3,4").unwrap();
        let rows: Vec<_> = t
            .records
            .iter()
            .map(|r| (r.line, r.fields.clone()))
            .collect();
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
    fn empty_text_is_empty_table() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("\n\n").unwrap().is_empty());
    }

    #[test]
    fn field_count_mismatch_names_line() {
        let e = parse("a,b\n1,2\n3\n").unwrap_err();
        assert!(matches!(e, PlotError::Csv { line: 3, .. }), "{e}");
        assert!(e.to_string().starts_with("t.csv:3:"), "{e}");
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        let e = parse("a\n\"abc\n").unwrap_err();
        assert!(matches!(e, PlotError::Csv { line: 2, .. }), "{e}");
    }

    #[test]
    fn numbers_and_columns() {
        let t = parse("x,y\n1.5,NaN\nzz,1\n").unwrap();
        assert_eq!(t.column("y").unwrap(), 1);
        assert!(t
            .column("z")
            .unwrap_err()
            .to_string()
            .contains("missing column `z`"));
        assert_eq!(t.number(&t.records[0], 0).unwrap(), 1.5);
        assert!(t.number(&t.records[0], 1).unwrap().is_nan());
        let e = t.number(&t.records[1], 0).unwrap_err();
        assert_eq!(e.to_string(), "t.csv:3: column `x`: `zz` is not a number");
    }
}
