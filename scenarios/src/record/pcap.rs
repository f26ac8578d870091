//! Packet capture files: one per captured host interface, written as the run goes.
//!
//! Each packet is encoded to real octets by [`PacketEncoder`] (IPv4 + TCP with its options
//! as their wire encoding, payload a fixed function of the data sequence number, real
//! checksums), one encoder per file fed in order; framed in Ethernet II (locally
//! administered MACs `02:00:<IPv4 address>` of the packet's source and destination,
//! EtherType IPv4) or left bare (`LINKTYPE_RAW`); cut to the snaplen (the original length
//! kept). The container is pcapng (section header, one interface description block naming
//! the interface `host.iface` with nanosecond time stamps, `if_tsresol` = 9, then enhanced
//! packet blocks) or classic pcap with nanosecond time stamps (magic `0xa1b23c4d`), both
//! little-endian, written by the `pcap-file` crate. Time stamps are simulated time from 0.
//! No allocation per packet: the encoder's and the frame's buffers are reused.

use crate::plan::{IfaceIndex, Plan, PlanCapture};
use crate::schema::{CaptureFormat, CaptureLink};
use mptcp_model::host::CapturedPacket;
use mptcp_model::wire::packet::PacketEncoder;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::section_header::SectionHeaderBlock;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::{DataLink, Endianness, TsResolution};
use sim_core::Addr;
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;
use std::time::Duration;

/// The folder of the results directory that holds the captures.
pub const DIR: &str = "pcap";

enum Container {
    Pcap(PcapWriter<BufWriter<File>>),
    Pcapng(PcapNgWriter<BufWriter<File>>),
}

/// One capture file.
struct CaptureFile {
    addr: Addr,
    encoder: PacketEncoder,
    ip: Vec<u8>,
    frame: Vec<u8>,
    out: Container,
}

/// The capture files of a run.
pub struct Captures {
    files: Vec<CaptureFile>,
    link: CaptureLink,
    snaplen: u32,
}

fn io_err(e: pcap_file::PcapError) -> io::Error {
    match e {
        pcap_file::PcapError::IoError(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

/// The MAC address standing for IPv4 address `a`: `02:00:a.b.c.d`.
pub fn mac(a: Addr) -> [u8; 6] {
    let o = a.0.to_be_bytes();
    [0x02, 0x00, o[0], o[1], o[2], o[3]]
}

impl Captures {
    /// Creates the files of `capture` in `dir/pcap/` for a run of `plan`.
    pub fn create(dir: &Path, plan: &Plan, capture: &PlanCapture) -> io::Result<Captures> {
        let folder = dir.join(DIR);
        std::fs::create_dir_all(&folder)?;
        let linktype = match capture.link {
            CaptureLink::Ethernet => DataLink::ETHERNET,
            CaptureLink::RawIp => DataLink::RAW,
        };
        let files = (capture.ifaces.iter())
            .map(|&i| open(&folder, plan, i, capture, linktype))
            .collect::<io::Result<Vec<_>>>()?;
        Ok(Captures {
            files,
            link: capture.link,
            snaplen: capture.snaplen,
        })
    }

    /// Writes `p` into its interface's file (none: a packet of an interface not captured).
    pub fn write(&mut self, p: &CapturedPacket) -> io::Result<()> {
        let Some(f) = self.files.iter_mut().find(|f| f.addr == p.iface) else {
            return Ok(());
        };
        f.encoder
            .encode(&p.packet, &mut f.ip)
            .map_err(|e| io::Error::other(format!("{e:?}")))?;
        let frame: &[u8] = match self.link {
            CaptureLink::RawIp => &f.ip,
            CaptureLink::Ethernet => {
                f.frame.clear();
                f.frame.extend_from_slice(&mac(p.packet.dst));
                f.frame.extend_from_slice(&mac(p.packet.src));
                f.frame.extend_from_slice(&0x0800u16.to_be_bytes());
                f.frame.extend_from_slice(&f.ip);
                &f.frame
            }
        };
        let len = u32::try_from(frame.len()).map_err(io::Error::other)?;
        let kept = &frame[..frame.len().min(self.snaplen as usize)];
        let at = Duration::from_nanos(p.at.as_nanos());
        match &mut f.out {
            Container::Pcap(w) => w
                .write_packet(&PcapPacket::new(at, len, kept))
                .map(drop)
                .map_err(io_err),
            Container::Pcapng(w) => {
                let block = EnhancedPacketBlock {
                    interface_id: 0,
                    timestamp: at,
                    original_len: len,
                    data: Cow::Borrowed(kept),
                    options: Vec::new(),
                };
                w.write_pcapng_block(block).map(drop).map_err(io_err)
            }
        }
    }

    /// Flushes and closes every file.
    pub fn finish(&mut self) -> io::Result<()> {
        use std::io::Write;
        for f in self.files.drain(..) {
            match f.out {
                Container::Pcap(w) => w.into_writer().flush()?,
                Container::Pcapng(w) => w.into_inner().flush()?,
            }
        }
        Ok(())
    }
}

/// Opens the file of interface `i` and writes its headers.
fn open(
    folder: &Path,
    plan: &Plan,
    i: IfaceIndex,
    capture: &PlanCapture,
    linktype: DataLink,
) -> io::Result<CaptureFile> {
    let name = plan.iface_label(i);
    let ext = match capture.format {
        CaptureFormat::Pcapng => "pcapng",
        CaptureFormat::Pcap => "pcap",
    };
    let file = BufWriter::new(File::create(folder.join(format!("{name}.{ext}")))?);
    let out = match capture.format {
        CaptureFormat::Pcap => {
            let header = PcapHeader {
                snaplen: capture.snaplen,
                datalink: linktype,
                ts_resolution: TsResolution::NanoSecond,
                endianness: Endianness::Little,
                ..PcapHeader::default()
            };
            Container::Pcap(PcapWriter::with_header(file, header).map_err(io_err)?)
        }
        CaptureFormat::Pcapng => {
            let section = SectionHeaderBlock {
                endianness: Endianness::Little,
                ..SectionHeaderBlock::default()
            };
            let mut w = PcapNgWriter::with_section_header(file, section).map_err(io_err)?;
            let idb = InterfaceDescriptionBlock {
                linktype,
                snaplen: capture.snaplen,
                options: vec![
                    InterfaceDescriptionOption::IfName(Cow::Owned(name)),
                    InterfaceDescriptionOption::IfTsResol(9),
                ],
            };
            w.write_pcapng_block(idb).map_err(io_err)?;
            Container::Pcapng(w)
        }
    };
    Ok(CaptureFile {
        addr: plan.iface(i).addr,
        encoder: PacketEncoder::new(),
        ip: Vec::new(),
        frame: Vec::new(),
        out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_carry_the_address() {
        let a: Addr = "10.1.2.3".parse().unwrap();
        assert_eq!(mac(a), [2, 0, 10, 1, 2, 3]);
    }
}
