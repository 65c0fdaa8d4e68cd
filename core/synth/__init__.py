"""Synthetic, reproducible captures with ground truth: for tests, benchmarks and the demo.

``frames``/``pcap_writer`` frame UDP datagrams into pcap/pcapng; ``rtp_streams`` makes
impaired RTP streams and their truth; ``sip_call``, ``rtcp`` and ``scenario`` compose a
whole call; ``g711`` and ``signal`` make a speech-like (never real) audio content.
"""
