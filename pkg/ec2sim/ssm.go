package ec2sim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"time"
)

// ssmParameter is a stored SSM parameter.
type ssmParameter struct {
	value    string
	version  int64
	modified time.Time
}

// The public alias parameters, for any Kubernetes version 1.20 to 1.39. Only the
// "recommended" (EKS) and "latest" (Bottlerocket) names resolve; pinned AMI
// versions answer ParameterNotFound.
var (
	al2023Param       = regexp.MustCompile(`^/aws/service/eks/optimized-ami/1\.[23]\d/amazon-linux-2023/(x86_64|arm64)/(standard|nvidia|neuron)/recommended/image_id$`)
	al2Param          = regexp.MustCompile(`^/aws/service/eks/optimized-ami/1\.[23]\d/(amazon-linux-2|amazon-linux-2-arm64|amazon-linux-2-gpu)/recommended/image_id$`)
	bottlerocketParam = regexp.MustCompile(`^/aws/service/bottlerocket/aws-k8s-1\.[23]\d(-nvidia)?/(x86_64|arm64)/latest/image_id$`)
	windowsParam      = regexp.MustCompile(`^/aws/service/ami-windows-latest/Windows_Server-(2019|2022)-English-(Core|Full)-EKS_Optimized-1\.[23]\d/image_id$`)
)

// aliasImageID resolves a public alias parameter name to an image id.
func aliasImageID(name string) (string, bool) {
	if m := al2023Param.FindStringSubmatch(name); m != nil {
		if m[1] == "arm64" && m[2] == VariantNeuron {
			return "", false
		}
		return defaultImageID(FamilyAL2023, m[1], m[2]), true
	}
	if m := al2Param.FindStringSubmatch(name); m != nil {
		switch m[1] {
		case "amazon-linux-2-arm64":
			return defaultImageID(FamilyAL2, "arm64", VariantStandard), true
		case "amazon-linux-2-gpu":
			return defaultImageID(FamilyAL2, "x86_64", VariantNvidia), true
		}
		return defaultImageID(FamilyAL2, "x86_64", VariantStandard), true
	}
	if m := bottlerocketParam.FindStringSubmatch(name); m != nil {
		variant := VariantStandard
		if m[1] == "-nvidia" {
			variant = VariantNvidia
		}
		return defaultImageID(FamilyBottlerocket, m[2], variant), true
	}
	if m := windowsParam.FindStringSubmatch(name); m != nil {
		return defaultImageID("windows"+m[1], "x86_64", VariantStandard), true
	}
	return "", false
}

// PutParameter sets (or overwrites) an SSM parameter; it shadows a public alias of
// the same name.
func (s *Simulator) PutParameter(name, value string) {
	a := s.aux
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.params[name]
	p.value, p.version, p.modified = value, p.version+1, a.now()
	a.params[name] = p
}

// ssmParameterOut is the wire form of types.Parameter.
type ssmParameterOut struct {
	Name             string      `json:"Name"`
	Type             string      `json:"Type"`
	Value            string      `json:"Value"`
	Version          int64       `json:"Version"`
	LastModifiedDate json.Number `json:"LastModifiedDate"`
	ARN              string      `json:"ARN"`
	DataType         string      `json:"DataType"`
}

// lookupParameter finds a put parameter or a public alias.
func (a *auxState) lookupParameter(name string) (ssmParameterOut, bool) {
	a.mu.Lock()
	p, ok := a.params[name]
	a.mu.Unlock()
	dataType := "text"
	if !ok {
		id, alias := aliasImageID(name)
		if !alias {
			return ssmParameterOut{}, false
		}
		p = ssmParameter{value: id, version: 1, modified: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
		dataType = "aws:ec2:image"
	}
	arnName := name
	if len(arnName) > 0 && arnName[0] == '/' {
		arnName = arnName[1:]
	}
	return ssmParameterOut{
		Name:             name,
		Type:             "String",
		Value:            p.value,
		Version:          p.version,
		LastModifiedDate: jsonEpochSeconds(p.modified),
		ARN:              "arn:aws:ssm:" + a.region + "::parameter/" + arnName,
		DataType:         dataType,
	}, true
}

func (s *Simulator) serveSSM(w http.ResponseWriter, r *http.Request, action string) {
	s.serveJSON(w, r, ssmProtocol, action, map[string]jsonHandler{
		"GetParameter":  s.ssmGetParameter,
		"GetParameters": s.ssmGetParameters,
	})
}

func (s *Simulator) ssmGetParameter(_ *http.Request, body []byte) (any, *jsonError) {
	var in struct {
		Name string `json:"Name"`
	}
	if err := decodeJSONBody(body, &in); err != nil {
		return nil, err
	}
	p, ok := s.aux.lookupParameter(in.Name)
	if !ok {
		return nil, jsonBadRequest("ParameterNotFound", "Parameter %s not found.", in.Name)
	}
	return map[string]any{"Parameter": p}, nil
}

func (s *Simulator) ssmGetParameters(_ *http.Request, body []byte) (any, *jsonError) {
	var in struct {
		Names []string `json:"Names"`
	}
	if err := decodeJSONBody(body, &in); err != nil {
		return nil, err
	}
	found, invalid := []ssmParameterOut{}, []string{}
	for _, name := range in.Names {
		if p, ok := s.aux.lookupParameter(name); ok {
			found = append(found, p)
		} else {
			invalid = append(invalid, name)
		}
	}
	return map[string]any{"Parameters": found, "InvalidParameters": invalid}, nil
}
