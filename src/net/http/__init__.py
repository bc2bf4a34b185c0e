"""The sans-I/O HTTP/1.1 core: bytes in, events and bytes out; never touches a socket."""
