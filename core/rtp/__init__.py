"""RTP and RTCP: finding streams, Wireshark-compatible metrics, per-packet series."""
