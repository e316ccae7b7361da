package ec2sim

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The Query protocol versions: IAM's and EC2's. The form field Version tells which
// service a Query request is for.
const (
	iamQueryVersion = "2010-05-08"
	ec2Namespace    = "http://ec2.amazonaws.com/doc/2016-11-15/"
)

// serveQuery answers a form-encoded Query request: IAM's (Version 2010-05-08) go to
// serveIAM, everything else is EC2.
func (s *Simulator) serveQuery(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeEC2Error(w, ec2Errorf("MalformedQueryString", "cannot parse the request: %v", err))
		return
	}
	action := r.Form.Get("Action")
	if r.Form.Get("Version") == iamQueryVersion {
		s.serveIAM(w, r, action, r.Form)
		return
	}
	s.serveEC2(w, action, newEC2Params(r.Form))
}

// ec2Response is the body of a successful EC2 answer; every response type embeds
// ec2RequestMeta.
type ec2Response interface{ setRequestID(id string) }

// ec2RequestMeta is the requestId element every EC2 answer starts with.
type ec2RequestMeta struct {
	RequestID string `xml:"requestId"`
}

func (m *ec2RequestMeta) setRequestID(id string) { m.RequestID = id }

// ec2Handler answers one EC2 action. It returns the answer or an error, and the
// instances whose state changed, for the listeners.
type ec2Handler func(s *Simulator, p ec2Params) (ec2Response, []Instance, *ec2Error)

// ec2Actions are the EC2 actions the simulator implements.
var ec2Actions = map[string]ec2Handler{
	"DescribeInstanceTypes":         (*Simulator).describeInstanceTypes,
	"DescribeInstanceTypeOfferings": (*Simulator).describeInstanceTypeOfferings,
	"DescribeAvailabilityZones":     (*Simulator).describeAvailabilityZones,
	"DescribeSpotPriceHistory":      (*Simulator).describeSpotPriceHistory,
	"DescribeSubnets":               (*Simulator).describeSubnets,
	"DescribeSecurityGroups":        (*Simulator).describeSecurityGroups,
	"DescribeImages":                (*Simulator).describeImages,
	"CreateLaunchTemplate":          (*Simulator).createLaunchTemplate,
	"DescribeLaunchTemplates":       (*Simulator).describeLaunchTemplates,
	"DeleteLaunchTemplate":          (*Simulator).deleteLaunchTemplate,
	"CreateFleet":                   (*Simulator).createFleet,
	"DescribeInstances":             (*Simulator).describeInstances,
	"TerminateInstances":            (*Simulator).terminateInstances,
	"CreateTags":                    (*Simulator).createTags,
}

// serveEC2 runs one EC2 action: admission (counting, latency, throttling), the
// lazy lifecycle update, the handler, the listeners, then the answer.
func (s *Simulator) serveEC2(w http.ResponseWriter, action string, p ec2Params) {
	if s.admit(action) {
		writeEC2Error(w, &ec2Error{status: http.StatusServiceUnavailable, code: "RequestLimitExceeded", message: "Request limit exceeded."})
		return
	}
	h, ok := ec2Actions[action]
	if !ok {
		writeEC2Error(w, ec2Errorf("InvalidAction", "The action %s is not valid for this web service.", action))
		return
	}
	s.Tick()
	resp, changed, failure := h(s, p)
	s.notify(changed)
	if failure != nil {
		writeEC2Error(w, failure)
		return
	}
	writeEC2Response(w, action, resp)
}

func writeEC2Response(w http.ResponseWriter, action string, resp ec2Response) {
	resp.setRequestID(ec2RequestID())
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	start := xml.StartElement{Name: xml.Name{Space: ec2Namespace, Local: action + "Response"}}
	if err := xml.NewEncoder(&buf).EncodeElement(resp, start); err != nil {
		writeEC2Error(w, &ec2Error{status: http.StatusInternalServerError, code: "InternalError", message: err.Error()})
		return
	}
	if buf.Len() > largeResponse {
		time.Sleep(largeResponseDelay)
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// A response larger than the client's read buffer waits largeResponseDelay before
// it is written. Without the pause, a client on the loopback sometimes receives
// the response before its own HTTP transport has finished writing the request:
// the SDK then closes the request body, the transport closes the connection, and
// reading the rest of the response fails with "use of closed network connection"
// (retried by the SDK, but with a backoff). Real EC2 is never that fast.
const (
	largeResponse      = 3 << 10
	largeResponseDelay = 2 * time.Millisecond
)

// ec2Error is an EC2 error answer.
type ec2Error struct {
	status  int
	code    string
	message string
}

func (e *ec2Error) Error() string { return e.code + ": " + e.message }

// ec2Errorf is a client error (HTTP 400).
func ec2Errorf(code, format string, args ...any) *ec2Error {
	return &ec2Error{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// ec2ErrorXML is the error document of the EC2 Query protocol.
type ec2ErrorXML struct {
	XMLName   xml.Name `xml:"Response"`
	Code      string   `xml:"Errors>Error>Code"`
	Message   string   `xml:"Errors>Error>Message"`
	RequestID string   `xml:"RequestID"`
}

func writeEC2Error(w http.ResponseWriter, e *ec2Error) {
	body, _ := xml.Marshal(ec2ErrorXML{Code: e.code, Message: e.message, RequestID: ec2RequestID()})
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(e.status)
	_, _ = w.Write(append([]byte(xml.Header), body...))
}

// ec2RequestID returns a random UUID.
func ec2RequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ec2Params are the form fields of an EC2 request. Lists are flattened:
// "InstanceId.1", "Filter.2.Value.1", "LaunchTemplateConfigs.1.Overrides.3.SubnetId".
type ec2Params struct {
	url.Values
	// prefixes holds every dotted prefix of every key, e.g. "Filter", "Filter.1",
	// "Filter.1.Name" for the key "Filter.1.Name".
	prefixes map[string]bool
}

func newEC2Params(v url.Values) ec2Params {
	p := ec2Params{Values: v, prefixes: map[string]bool{}}
	for k := range v {
		for i := range len(k) {
			if k[i] == '.' {
				p.prefixes[k[:i]] = true
			}
		}
		p.prefixes[k] = true
	}
	return p
}

// has reports whether any field starts with prefix.
func (p ec2Params) has(prefix string) bool { return p.prefixes[prefix] }

// members returns the prefixes "<prefix>.1", "<prefix>.2", ... of the elements
// of the list at prefix.
func (p ec2Params) members(prefix string) []string {
	var out []string
	for i := 1; p.prefixes[prefix+"."+strconv.Itoa(i)]; i++ {
		out = append(out, prefix+"."+strconv.Itoa(i))
	}
	return out
}

// strings returns the values of the list of strings at prefix.
func (p ec2Params) strings(prefix string) []string {
	var out []string
	for _, m := range p.members(prefix) {
		out = append(out, p.Get(m))
	}
	return out
}

// tags returns the list of Key/Value pairs at prefix as a map.
func (p ec2Params) tags(prefix string) map[string]string {
	out := map[string]string{}
	for _, m := range p.members(prefix) {
		out[p.Get(m+".Key")] = p.Get(m + ".Value")
	}
	return out
}

// tagSpecifications returns the tags of the TagSpecification list at prefix by
// resource type ("instance", "volume", "fleet", "launch-template", ...).
func (p ec2Params) tagSpecifications(prefix string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, m := range p.members(prefix) {
		typ := p.Get(m + ".ResourceType")
		if out[typ] == nil {
			out[typ] = map[string]string{}
		}
		for k, v := range p.tags(m + ".Tag") {
			out[typ][k] = v
		}
	}
	return out
}

// ec2Filter is one Filter.N of a Describe call: a name and values, any of which
// may match (with * and ? wildcards).
type ec2Filter struct {
	name   string
	values []string
}

// filters returns the Filter list, checking every name is one of known or a tag
// filter (tag:<key>, tag-key, tag-value).
func (p ec2Params) filters(known ...string) ([]ec2Filter, *ec2Error) {
	var out []ec2Filter
	for _, m := range p.members("Filter") {
		f := ec2Filter{name: p.Get(m + ".Name"), values: p.strings(m + ".Value")}
		tagFilter := strings.HasPrefix(f.name, "tag:") || f.name == "tag-key" || f.name == "tag-value"
		if !tagFilter && !slices.Contains(known, f.name) {
			return nil, ec2Errorf("InvalidParameterValue", "The filter '%s' is invalid", f.name)
		}
		out = append(out, f)
	}
	return out, nil
}

// ec2Page returns the page of items the request's NextToken and MaxResults ask
// for, at most size items, and the token of the next page ("" on the last page).
func ec2Page[T any](items []T, p ec2Params, size int) ([]T, string, *ec2Error) {
	limit := size
	if mr := p.Get("MaxResults"); mr != "" {
		n, err := strconv.Atoi(mr)
		if err != nil || n < 1 {
			return nil, "", ec2Errorf("InvalidParameterValue", "Invalid value '%s' for MaxResults", mr)
		}
		limit = min(limit, n)
	}
	start := 0
	if tok := p.Get("NextToken"); tok != "" {
		n, ok := decodeEC2Token(tok)
		if !ok {
			return nil, "", ec2Errorf("InvalidParameterValue", "Unable to parse pagination token")
		}
		start = min(n, len(items))
	}
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = encodeEC2Token(end)
	}
	return items[start:end], next, nil
}

func encodeEC2Token(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func decodeEC2Token(tok string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(raw), "offset:") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
	return n, err == nil && n >= 0
}

// ec2TagXML is one element of a tagSet.
type ec2TagXML struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

// ec2Tags returns tags as a tagSet sorted by key.
func ec2Tags(tags map[string]string) []ec2TagXML {
	out := make([]ec2TagXML, 0, len(tags))
	for k, v := range tags {
		out = append(out, ec2TagXML{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
