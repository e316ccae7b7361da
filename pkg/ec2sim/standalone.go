package ec2sim

import (
	"fmt"
	"net"
	"net/http/httptest"
)

// Serve starts a simulated region listening on addr (host:port, e.g. ":4566" or
// "127.0.0.1:0"), for use outside tests: the standalone command, demos. URL reports
// the address to give SDK clients; when addr has no host, the URL names 127.0.0.1.
func Serve(addr string, opts Options) (*Simulator, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s, %w", addr, err)
	}
	s := New(opts)
	// New serves on a loopback port of its own; move the simulator to ln.
	s.server.Close()
	srv := httptest.NewUnstartedServer(s)
	_ = srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		srv.URL = fmt.Sprintf("http://127.0.0.1:%d", tcp.Port)
	}
	s.server = srv
	return s, nil
}
