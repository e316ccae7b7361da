package whatif

import (
	"fmt"
	"net/http"

	"k8s.io/client-go/rest"
)

// ReadOnly returns a copy of cfg through which only reads reach the API server:
// any other request fails before it leaves the process. The what-if commands
// promise to write nothing, and the plugins built for their simulations hold
// clients too.
func ReadOnly(cfg *rest.Config) *rest.Config {
	out := rest.CopyConfig(cfg)
	out.Wrap(func(next http.RoundTripper) http.RoundTripper { return readOnly{next: next} })
	return out
}

type readOnly struct{ next http.RoundTripper }

func (r readOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return r.next.RoundTrip(req)
	}
	return nil, fmt.Errorf("refused %s %s: this command only reads the cluster", req.Method, req.URL.Path)
}
