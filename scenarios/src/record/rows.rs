//! [`RowFile`]: a text file whose rows are assembled in place in one large buffer and
//! written out a block at a time.
//!
//! A row of `timeseries.csv` is a handful of short pieces; through a [`std::io::BufWriter`]
//! each piece costs a capacity check and a copy call of its own, which cost more than the
//! bytes. Here a row asks once for the room it can need ([`RowFile::row`]) and its pieces
//! are copied into that room: the fixed-width ones (a metric's name, a number) as
//! fixed-size copies, without a call.

use super::fixed::{decimal_into, fixed_into, SLOT};
use std::io::{self, Write};

/// Bytes gathered before they are written out.
const BLOCK: usize = 64 * 1024;

/// Widest fixed-width name piece ([`Row::put_name`]).
pub(crate) const NAME: usize = 16;

/// A text file written a block at a time; the caller assembles each row in [`RowFile::row`].
pub(crate) struct RowFile<W: Write> {
    out: W,
    /// The block being assembled; its length is its capacity (the bytes past `pos` are
    /// scratch). It grows only for a row longer than it.
    buf: Vec<u8>,
    /// Bytes of `buf` holding text.
    pos: usize,
}

/// The room of one row, from the end of the text so far; pieces are appended in order and
/// [`Row::done`] keeps them.
pub(crate) struct Row<'a> {
    buf: &'a mut Vec<u8>,
    /// Where the next piece goes.
    at: usize,
    pos: &'a mut usize,
}

impl<W: Write> RowFile<W> {
    /// A row file writing to `out`.
    pub(crate) fn new(out: W) -> Self {
        RowFile {
            out,
            buf: vec![0; BLOCK],
            pos: 0,
        }
    }

    /// Room for a row of up to `len` bytes (the block is written out first when it lacks
    /// it).
    #[inline]
    pub(crate) fn row(&mut self, len: usize) -> io::Result<Row<'_>> {
        if self.pos + len > self.buf.len() {
            self.write_block()?;
            if len > self.buf.len() {
                self.buf.resize(len, 0);
            }
        }
        Ok(Row {
            buf: &mut self.buf,
            at: self.pos,
            pos: &mut self.pos,
        })
    }

    /// Appends `bytes` (a header, or a row built elsewhere).
    pub(crate) fn put_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut row = self.row(bytes.len())?;
        row.put(bytes);
        row.done();
        Ok(())
    }

    fn write_block(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf[..self.pos])?;
        self.pos = 0;
        Ok(())
    }

    /// Writes out everything and flushes the destination.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.write_block()?;
        self.out.flush()
    }
}

impl Row<'_> {
    /// Appends `bytes` (within the room asked for).
    #[inline]
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        self.buf[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }

    /// Appends one byte (a separator).
    #[inline]
    pub(crate) fn put_byte(&mut self, b: u8) {
        self.buf[self.at] = b;
        self.at += 1;
    }

    /// Appends the first `len` bytes of `name` (`NAME` bytes of room), copied whole.
    #[inline]
    pub(crate) fn put_name(&mut self, (name, len): &([u8; NAME], usize)) {
        self.buf[self.at..self.at + NAME].copy_from_slice(name);
        self.at += len;
    }

    /// Appends `v` with `prec` decimals as `format!("{v:.prec$}")` writes it ([`SLOT`]
    /// bytes of room; the rare value the standard formatter must write makes its own).
    #[inline(always)]
    pub(crate) fn put_fixed(&mut self, v: f64, prec: usize) {
        let fast = (self.buf[self.at..].first_chunk_mut::<SLOT>())
            .and_then(|slot| fixed_into(slot, v, prec));
        match fast {
            Some(n) => self.at += n,
            None => self.put_text(&format!("{v:.prec$}")),
        }
    }

    /// Appends `int`, and a point and `frac` zero-padded to `prec` digits when `prec > 0`,
    /// as `write_decimal` writes them ([`SLOT`] bytes of room).
    #[inline]
    pub(crate) fn put_decimal(&mut self, int: u64, frac: u64, prec: usize) {
        if let Some(slot) = self.buf[self.at..].first_chunk_mut::<SLOT>() {
            self.at += decimal_into(slot, false, int, frac, prec);
        }
    }

    /// Appends `n`, or nothing when `None` (an empty CSV field), ([`SLOT`] bytes of room).
    #[inline]
    pub(crate) fn put_opt(&mut self, n: Option<u64>) {
        if let Some(n) = n {
            self.put_decimal(n, 0, 0);
        }
    }

    /// Appends `text` of any length: the block grows to hold it.
    #[cold]
    fn put_text(&mut self, text: &str) {
        let end = self.at + text.len() + 4 * SLOT + NAME;
        if self.buf.len() < end {
            self.buf.resize(end, 0);
        }
        self.put(text.as_bytes());
    }

    /// Keeps the row.
    #[inline]
    pub(crate) fn done(self) {
        *self.pos = self.at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows come out as the formatter writes them, across block boundaries and for values
    /// longer than a number's usual room.
    #[test]
    fn rows_as_the_formatter_writes_them() {
        let mut file = RowFile::new(Vec::new());
        let mut expected = String::new();
        let name = (*b"metric,\0\0\0\0\0\0\0\0\0", 7);
        for (i, v) in [1.5, 1e300, f64::NAN, -0.25, 12_345.0]
            .into_iter()
            .cycle()
            .take(20_000)
            .enumerate()
        {
            let prefix = format!("{i},flow,f{i},");
            let mut row = file.row(prefix.len() + NAME + SLOT + 1).unwrap();
            row.put(prefix.as_bytes());
            row.put_name(&name);
            row.put_fixed(v, 3);
            row.put(b"\n");
            row.done();
            expected.push_str(&format!("{prefix}metric,{v:.3}\n"));
        }
        file.flush().unwrap();
        assert_eq!(String::from_utf8(file.out).unwrap(), expected);
    }
}
