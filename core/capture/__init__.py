"""Reading capture files into columns: file formats, link layers, IP, UDP, tunnels."""
