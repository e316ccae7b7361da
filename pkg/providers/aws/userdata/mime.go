package userdata

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
)

// Content types of MIME parts.
const (
	contentTypeNodeConfig  = "application/node.eks.aws"
	contentTypeShellScript = `text/x-shellscript; charset="us-ascii"`
	contentTypeCloudConfig = "text/cloud-config"
)

// mimePart is one part of a multi-part user data document.
type mimePart struct {
	contentType string
	// transferEncoding is the part's Content-Transfer-Encoding ("" or "base64"),
	// kept so a user's encoded part is passed on as it was.
	transferEncoding string
	body             string
}

// decoded returns the body with its transfer encoding undone.
func (p mimePart) decoded() (string, error) {
	if !strings.EqualFold(p.transferEncoding, "base64") {
		return p.body, nil
	}
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(p.body), ""))
	if err != nil {
		return "", fmt.Errorf("decoding base64 MIME part, %w", err)
	}
	return string(b), nil
}

// mediaType is the part's content type without parameters, lowercased.
func (p mimePart) mediaType() string {
	mt, _, err := mime.ParseMediaType(p.contentType)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(p.contentType))
	}
	return mt
}

// writeMIME renders parts as a multipart/mixed document with LF line endings. The
// boundary is derived from the content, so the same parts give the same bytes.
func writeMIME(parts []mimePart) string {
	sum := sha256.New()
	for _, p := range parts {
		sum.Write([]byte(p.contentType + "\x00" + p.body + "\x00"))
	}
	boundary := "tailor-" + hex.EncodeToString(sum.Sum(nil))[:24]
	var b strings.Builder
	b.WriteString("MIME-Version: 1.0\n")
	b.WriteString(`Content-Type: multipart/mixed; boundary="` + boundary + "\"\n\n")
	for _, p := range parts {
		b.WriteString("--" + boundary + "\n")
		b.WriteString("Content-Type: " + p.contentType + "\n")
		if p.transferEncoding != "" {
			b.WriteString("Content-Transfer-Encoding: " + p.transferEncoding + "\n")
		}
		b.WriteString("\n" + p.body)
		if !strings.HasSuffix(p.body, "\n") {
			b.WriteString("\n")
		}
	}
	b.WriteString("--" + boundary + "--\n")
	return b.String()
}

// isMIME reports whether s starts like a MIME document.
func isMIME(s string) bool {
	head := strings.ToLower(strings.TrimLeft(s, " \t\r\n"))
	return strings.HasPrefix(head, "mime-version:") || strings.HasPrefix(head, "content-type: multipart/")
}

// readMIME splits a multipart document into its parts.
func readMIME(s string) ([]mimePart, error) {
	msg, err := mail.ReadMessage(strings.NewReader(strings.TrimLeft(s, " \t\r\n")))
	if err != nil {
		return nil, fmt.Errorf("reading MIME headers, %w", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("reading MIME content type, %w", err)
	}
	if !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return nil, fmt.Errorf("reading MIME document, content type %q is not multipart with a boundary", mt)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	var parts []mimePart
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return parts, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading MIME part %d, %w", len(parts)+1, err)
		}
		body, err := io.ReadAll(p)
		if err != nil {
			return nil, fmt.Errorf("reading MIME part %d, %w", len(parts)+1, err)
		}
		parts = append(parts, mimePart{
			contentType:      p.Header.Get("Content-Type"),
			transferEncoding: p.Header.Get("Content-Transfer-Encoding"),
			body:             string(body),
		})
	}
}

// userParts turns the node class's userData into MIME parts: a MIME document gives
// its parts, a nodeadm NodeConfig one NodeConfig part, a #cloud-config one
// cloud-config part, anything else one shell script part.
func userParts(userData string) ([]mimePart, error) {
	switch {
	case strings.TrimSpace(userData) == "":
		return nil, nil
	case isMIME(userData):
		parts, err := readMIME(userData)
		if err != nil {
			return nil, fmt.Errorf("merging userData, %w", err)
		}
		return parts, nil
	case isNodeConfig(userData):
		return []mimePart{{contentType: contentTypeNodeConfig, body: userData}}, nil
	case strings.HasPrefix(strings.TrimSpace(userData), "#cloud-config"):
		return []mimePart{{contentType: contentTypeCloudConfig, body: userData}}, nil
	}
	return []mimePart{{contentType: contentTypeShellScript, body: userData}}, nil
}

// isNodeConfig reports whether s is a nodeadm NodeConfig in YAML or JSON.
func isNodeConfig(s string) bool {
	return strings.Contains(s, "node.eks.aws/") && strings.Contains(s, "NodeConfig")
}
