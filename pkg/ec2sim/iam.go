package ec2sim

import (
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// IAM speaks the Query protocol: form-encoded Action and Version=2010-05-08 in, XML
// out. Only instance profiles are modelled; roles exist implicitly by name.

const iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"

var iamNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)

type instanceProfile struct {
	name    string
	path    string
	id      string
	created time.Time
	roles   []string
	tags    map[string]string
}

// iamError is an IAM error answer.
type iamError struct {
	status  int
	code    string
	message string
}

func iamNoSuchProfile(name string) *iamError {
	return &iamError{http.StatusNotFound, "NoSuchEntity", fmt.Sprintf("Instance Profile %s cannot be found.", name)}
}

func iamValidation(format string, args ...any) *iamError {
	return &iamError{http.StatusBadRequest, "ValidationError", fmt.Sprintf(format, args...)}
}

// The XML shapes of the answers, named as the SDK's deserializer expects.
type iamRoleXML struct {
	Path       string `xml:"Path"`
	RoleName   string `xml:"RoleName"`
	RoleID     string `xml:"RoleId"`
	Arn        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate"`
}

type iamTagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type iamProfileXML struct {
	Path                string       `xml:"Path"`
	InstanceProfileName string       `xml:"InstanceProfileName"`
	InstanceProfileID   string       `xml:"InstanceProfileId"`
	Arn                 string       `xml:"Arn"`
	CreateDate          string       `xml:"CreateDate"`
	Roles               []iamRoleXML `xml:"Roles>member"`
	Tags                []iamTagXML  `xml:"Tags>member,omitempty"`
}

// iamResult is the <ActionResult> element; XMLName is set per action.
type iamResult struct {
	XMLName          xml.Name
	InstanceProfile  *iamProfileXML  `xml:"InstanceProfile,omitempty"`
	InstanceProfiles []iamProfileXML `xml:"InstanceProfiles>member,omitempty"`
	IsTruncated      *bool           `xml:"IsTruncated,omitempty"`
	Marker           string          `xml:"Marker,omitempty"`
}

type iamResponse struct {
	XMLName   xml.Name
	Xmlns     string     `xml:"xmlns,attr"`
	Result    *iamResult `xml:",omitempty"`
	RequestID string     `xml:"ResponseMetadata>RequestId"`
}

type iamErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Type    string   `xml:"Error>Type"`
	Code    string   `xml:"Error>Code"`
	Message string   `xml:"Error>Message"`
	ID      string   `xml:"RequestId"`
}

type iamHandler func(form url.Values) (*iamResult, *iamError)

// serveIAM answers an IAM Query action; serveQuery routes Version=2010-05-08 here.
// The action key given to admit is the bare action name, e.g. "GetInstanceProfile".
func (s *Simulator) serveIAM(w http.ResponseWriter, r *http.Request, action string, form url.Values) {
	if s.admit(action) {
		writeIAMError(w, &iamError{http.StatusBadRequest, "Throttling", "Rate exceeded"})
		return
	}
	handlers := map[string]iamHandler{
		"GetInstanceProfile":            s.iamGetInstanceProfile,
		"CreateInstanceProfile":         s.iamCreateInstanceProfile,
		"DeleteInstanceProfile":         s.iamDeleteInstanceProfile,
		"AddRoleToInstanceProfile":      s.iamAddRole,
		"RemoveRoleFromInstanceProfile": s.iamRemoveRole,
		"TagInstanceProfile":            s.iamTagInstanceProfile,
		"ListInstanceProfiles":          s.iamListInstanceProfiles,
	}
	h, ok := handlers[action]
	if !ok {
		writeIAMError(w, &iamError{http.StatusBadRequest, "InvalidAction", "The action " + action + " is not valid for this web service."})
		return
	}
	result, err := h(form)
	if err != nil {
		writeIAMError(w, err)
		return
	}
	if result != nil {
		result.XMLName = xml.Name{Local: action + "Result"}
	}
	writeIAMXML(w, http.StatusOK, iamResponse{
		XMLName: xml.Name{Local: action + "Response"}, Xmlns: iamNamespace, Result: result, RequestID: auxUUID(),
	})
}

func writeIAMError(w http.ResponseWriter, e *iamError) {
	typ := "Sender"
	if e.status >= 500 {
		typ = "Receiver"
	}
	writeIAMXML(w, e.status, iamErrorResponse{Xmlns: iamNamespace, Type: typ, Code: e.code, Message: e.message, ID: auxUUID()})
}

func writeIAMXML(w http.ResponseWriter, status int, v any) {
	data, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(data)
}

// profileName reads and validates the InstanceProfileName parameter.
func profileName(form url.Values) (string, *iamError) {
	name := form.Get("InstanceProfileName")
	if !iamNamePattern.MatchString(name) {
		return "", iamValidation("1 validation error detected: Value '%s' at 'instanceProfileName' failed to satisfy constraint", name)
	}
	return name, nil
}

// formTags reads Tags.member.N.Key/Value parameters.
func formTags(form url.Values) map[string]string {
	tags := map[string]string{}
	for i := 1; ; i++ {
		prefix := "Tags.member." + strconv.Itoa(i) + "."
		key, ok := form[prefix+"Key"]
		if !ok {
			return tags
		}
		tags[key[0]] = form.Get(prefix + "Value")
	}
}

// withProfile runs f on the named profile with the lock held.
func (s *Simulator) withProfile(form url.Values, f func(p *instanceProfile) (*iamResult, *iamError)) (*iamResult, *iamError) {
	name, err := profileName(form)
	if err != nil {
		return nil, err
	}
	a := s.aux
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.profiles[name]
	if !ok {
		return nil, iamNoSuchProfile(name)
	}
	return f(p)
}

func (s *Simulator) iamGetInstanceProfile(form url.Values) (*iamResult, *iamError) {
	return s.withProfile(form, func(p *instanceProfile) (*iamResult, *iamError) {
		x := s.aux.profileXML(p)
		return &iamResult{InstanceProfile: &x}, nil
	})
}

func (s *Simulator) iamCreateInstanceProfile(form url.Values) (*iamResult, *iamError) {
	name, err := profileName(form)
	if err != nil {
		return nil, err
	}
	path := form.Get("Path")
	if path == "" {
		path = "/"
	}
	if !strings.HasPrefix(path, "/") || !strings.HasSuffix(path, "/") {
		return nil, iamValidation("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	a := s.aux
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.profiles[name]; ok {
		return nil, &iamError{http.StatusConflict, "EntityAlreadyExists", fmt.Sprintf("Instance Profile %s already exists.", name)}
	}
	p := &instanceProfile{
		name: name, path: path, created: a.now().UTC(), tags: formTags(form),
		id: iamID("AIPA", fmt.Sprintf("%s/%d", name, a.nextSeq())),
	}
	a.profiles[name] = p
	x := a.profileXML(p)
	return &iamResult{InstanceProfile: &x}, nil
}

func (s *Simulator) iamDeleteInstanceProfile(form url.Values) (*iamResult, *iamError) {
	return s.withProfile(form, func(p *instanceProfile) (*iamResult, *iamError) {
		if len(p.roles) > 0 {
			return nil, &iamError{http.StatusConflict, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first."}
		}
		delete(s.aux.profiles, p.name)
		return nil, nil
	})
}

func (s *Simulator) iamAddRole(form url.Values) (*iamResult, *iamError) {
	role := form.Get("RoleName")
	if !iamNamePattern.MatchString(role) {
		return nil, iamValidation("1 validation error detected: Value '%s' at 'roleName' failed to satisfy constraint", role)
	}
	return s.withProfile(form, func(p *instanceProfile) (*iamResult, *iamError) {
		if len(p.roles) > 0 {
			return nil, &iamError{http.StatusConflict, "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"}
		}
		p.roles = []string{role}
		return nil, nil
	})
}

func (s *Simulator) iamRemoveRole(form url.Values) (*iamResult, *iamError) {
	role := form.Get("RoleName")
	return s.withProfile(form, func(p *instanceProfile) (*iamResult, *iamError) {
		for i, r := range p.roles {
			if r == role {
				p.roles = append(p.roles[:i], p.roles[i+1:]...)
				return nil, nil
			}
		}
		return nil, &iamError{http.StatusNotFound, "NoSuchEntity", fmt.Sprintf("The role with name %s cannot be found.", role)}
	})
}

func (s *Simulator) iamTagInstanceProfile(form url.Values) (*iamResult, *iamError) {
	return s.withProfile(form, func(p *instanceProfile) (*iamResult, *iamError) {
		for k, v := range formTags(form) {
			p.tags[k] = v
		}
		return nil, nil
	})
}

// iamListInstanceProfiles lists profiles by name under PathPrefix, MaxItems (default
// 100) at a time from Marker (the name of the next profile).
func (s *Simulator) iamListInstanceProfiles(form url.Values) (*iamResult, *iamError) {
	prefix := form.Get("PathPrefix")
	maxItems := 100
	if v := form.Get("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return nil, iamValidation("MaxItems must be between 1 and 1000")
		}
		maxItems = n
	}
	marker := form.Get("Marker")
	a := s.aux
	a.mu.Lock()
	defer a.mu.Unlock()
	var names []string
	for name, p := range a.profiles {
		if strings.HasPrefix(p.path, prefix) && name >= marker {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	truncated := len(names) > maxItems
	out := &iamResult{IsTruncated: &truncated}
	if truncated {
		out.Marker = names[maxItems]
		names = names[:maxItems]
	}
	for _, name := range names {
		out.InstanceProfiles = append(out.InstanceProfiles, a.profileXML(a.profiles[name]))
	}
	return out, nil
}

// profileXML renders a profile; call with a.mu held.
func (a *auxState) profileXML(p *instanceProfile) iamProfileXML {
	x := iamProfileXML{
		Path:                p.path,
		InstanceProfileName: p.name,
		InstanceProfileID:   p.id,
		Arn:                 "arn:aws:iam::" + auxAccountID + ":instance-profile" + p.path + p.name,
		CreateDate:          p.created.Format(time.RFC3339),
		Roles:               []iamRoleXML{},
	}
	for _, role := range p.roles {
		x.Roles = append(x.Roles, iamRoleXML{
			Path: "/", RoleName: role, RoleID: iamID("AROA", role),
			Arn: "arn:aws:iam::" + auxAccountID + ":role/" + role, CreateDate: p.created.Format(time.RFC3339),
		})
	}
	keys := make([]string, 0, len(p.tags))
	for k := range p.tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		x.Tags = append(x.Tags, iamTagXML{Key: k, Value: p.tags[k]})
	}
	return x
}

// iamID is a stable IAM unique id: a type prefix and 17 characters from seed.
func iamID(prefix, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return prefix + base32Alnum(sum[:17])
}
