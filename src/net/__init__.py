"""net: stream peers, the resolver, the sans-I/O HTTP/1.1 core and HTTPClient."""
