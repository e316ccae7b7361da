package ec2sim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// jsonProtocol describes one service spoken over the AWS JSON protocol: its
// X-Amz-Target prefix, its content type (x-amz-json-1.0 or 1.1), and whether it is
// "query compatible" (SQS), in which case errors also carry the X-Amzn-Query-Error
// header with the legacy Query error code.
type jsonProtocol struct {
	prefix          string // "AmazonSSM"
	contentType     string // "application/x-amz-json-1.1"
	namespace       string // shape namespace of error types, "com.amazonaws.sqs"; empty for bare names
	queryCompatible bool
}

var (
	ssmProtocol     = jsonProtocol{prefix: "AmazonSSM", contentType: "application/x-amz-json-1.1"}
	pricingProtocol = jsonProtocol{prefix: "AWSPriceListService", contentType: "application/x-amz-json-1.1"}
	sqsProtocol     = jsonProtocol{
		prefix: "AmazonSQS", contentType: "application/x-amz-json-1.0",
		namespace: "com.amazonaws.sqs", queryCompatible: true,
	}
)

// jsonError is an error answer of a JSON service.
type jsonError struct {
	status  int
	code    string // error shape name, "ParameterNotFound"
	message string
	// queryCode is the legacy Query protocol code sent in X-Amzn-Query-Error by
	// query-compatible services ("AWS.SimpleQueueService.NonExistentQueue").
	queryCode string
}

func jsonBadRequest(code, format string, args ...any) *jsonError {
	return &jsonError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

func jsonThrottling() *jsonError {
	return &jsonError{status: http.StatusBadRequest, code: "ThrottlingException", message: "Rate exceeded"}
}

// jsonHandler answers one action: it decodes body itself and returns the output
// value to encode, or an error.
type jsonHandler func(r *http.Request, body []byte) (any, *jsonError)

// serveJSON runs the common part of every JSON action: admission (call counting,
// latency, throttling), lookup of the handler, and encoding of the answer. The
// action key given to admit is "<prefix>.<action>", e.g. "AmazonSSM.GetParameter".
func (s *Simulator) serveJSON(w http.ResponseWriter, r *http.Request, p jsonProtocol, action string, handlers map[string]jsonHandler) {
	if s.admit(p.prefix + "." + action) {
		p.writeError(w, jsonThrottling())
		return
	}
	h, ok := handlers[action]
	if !ok {
		p.writeError(w, jsonBadRequest("UnknownOperationException", "the simulator does not implement %s.%s", p.prefix, action))
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		p.writeError(w, jsonBadRequest("SerializationException", "reading request body: %v", err))
		return
	}
	out, failure := h(r, body)
	if failure != nil {
		p.writeError(w, failure)
		return
	}
	p.writeJSON(w, out)
}

// decodeJSONBody decodes a request body into v; an empty body decodes as {}.
func decodeJSONBody(body []byte, v any) *jsonError {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return jsonBadRequest("SerializationException", "decoding request body: %v", err)
	}
	return nil
}

func (p jsonProtocol) writeJSON(w http.ResponseWriter, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		p.writeError(w, &jsonError{status: http.StatusInternalServerError, code: "InternalFailure", message: err.Error()})
		return
	}
	p.writeHeaders(w)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// writeError writes {"__type": ..., "message": ...} with the X-Amzn-ErrorType header,
// the two places the SDK looks for the error code.
func (p jsonProtocol) writeError(w http.ResponseWriter, e *jsonError) {
	typ := e.code
	if p.namespace != "" {
		typ = p.namespace + "#" + e.code
	}
	p.writeHeaders(w)
	w.Header().Set("X-Amzn-ErrorType", e.code)
	if p.queryCompatible && e.queryCode != "" {
		fault := "Sender"
		if e.status >= 500 {
			fault = "Receiver"
		}
		w.Header().Set("X-Amzn-Query-Error", e.queryCode+";"+fault)
	}
	data, _ := json.Marshal(map[string]string{"__type": typ, "message": e.message})
	w.WriteHeader(e.status)
	_, _ = w.Write(data)
}

func (p jsonProtocol) writeHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", p.contentType)
	w.Header().Set("X-Amzn-RequestId", auxUUID())
}

// auxUUID returns a random RFC 4122 version 4 UUID.
func auxUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// jsonEpochSeconds is a timestamp as the JSON protocols encode it by default: seconds
// since the epoch, with fractions.
func jsonEpochSeconds(t time.Time) json.Number {
	ms := t.UnixMilli()
	return json.Number(fmt.Sprintf("%d.%03d", ms/1000, ms%1000))
}
