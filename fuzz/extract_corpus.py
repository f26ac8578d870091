#!/usr/bin/env python3
"""Writes the wire-parser seed corpus from the tcpdump captures in
mptcp-model/tests/data/tcpdump/: for every TCP segment, its option octets
(corpus/mptcp_options/) and its header prefixed with a 4-octet big-endian payload
length (corpus/tcp_header/). File names are the SHA-1 of the contents, as cargo-fuzz
names corpus entries. Run from the repository root: python3 fuzz/extract_corpus.py"""
import hashlib, os, struct, sys

CAPTURES = "mptcp-model/tests/data/tcpdump"
OUT = "fuzz/corpus"

def frames(path):
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    elif magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    else:
        raise SystemExit(f"{path}: not a classic pcap")
    link = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        yield link, data[off + 16:off + 16 + incl]
        off += 16 + incl

def ip_packet(link, f):
    if link == 1:  # Ethernet, VLAN tags skipped
        off, et = 12, None
        while True:
            et = struct.unpack(">H", f[off:off + 2])[0]
            if et in (0x8100, 0x88A8):
                off += 4
                continue
            return f[off + 2:]
    if link in (12, 101, 228, 229):
        return f
    if link == 113:  # Linux cooked
        return f[16:]
    if link == 276:  # SLL2
        return f[20:]
    return None

def tcp_segment(ip):
    if not ip:
        return None
    v = ip[0] >> 4
    if v == 4:
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6:
            return None
        total = struct.unpack(">H", ip[2:4])[0]
        return ip[ihl:], max(0, total - ihl)
    if v == 6:
        if ip[6] != 6:
            return None
        plen = struct.unpack(">H", ip[4:6])[0]
        return ip[40:], plen
    return None

def main():
    seen = {"mptcp_options": set(), "tcp_header": set()}
    for d in seen:
        os.makedirs(os.path.join(OUT, d), exist_ok=True)
    for name in sorted(os.listdir(CAPTURES)):
        if not name.endswith(".pcap"):
            continue
        for link, f in frames(os.path.join(CAPTURES, name)):
            seg = tcp_segment(ip_packet(link, f))
            if not seg:
                continue
            tcp, seg_len = seg
            if len(tcp) < 20:
                continue
            hlen = (tcp[12] >> 4) * 4
            header = tcp[:hlen]
            payload = max(0, seg_len - hlen)
            for d, blob in (("mptcp_options", header[20:]),
                            ("tcp_header", struct.pack(">I", payload) + header)):
                h = hashlib.sha1(blob).hexdigest()
                if blob and h not in seen[d]:
                    seen[d].add(h)
                    open(os.path.join(OUT, d, h), "wb").write(blob)
    for d, s in seen.items():
        print(d, len(s))

if __name__ == "__main__":
    main()
