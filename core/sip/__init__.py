"""SIP and SDP: calls, their parties (masked) and the media they announce."""
