package ec2sim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tailor-sh/tailor/pkg/ec2sim/catalog"
)

// The Price List API's fixed codes of the on-demand offer term and its hourly rate.
const (
	onDemandOfferTermCode = "JRTCKXETXF"
	onDemandRateCode      = "6YS6EN2CT7"
	priceListVersion      = "20250101000000"
	priceListDate         = "2025-01-01T00:00:00Z"
	pricingMaxResults     = 100
)

// regionLocations are the Price List "location" names and usage-type prefixes of
// well-known regions; other regions use their code for both.
var regionLocations = map[string][2]string{
	"us-east-1":      {"US East (N. Virginia)", ""},
	"us-east-2":      {"US East (Ohio)", "USE2-"},
	"us-west-1":      {"US West (N. California)", "USW1-"},
	"us-west-2":      {"US West (Oregon)", "USW2-"},
	"ca-central-1":   {"Canada (Central)", "CAN1-"},
	"eu-west-1":      {"EU (Ireland)", "EU-"},
	"eu-west-2":      {"EU (London)", "EUW2-"},
	"eu-central-1":   {"EU (Frankfurt)", "EUC1-"},
	"eu-north-1":     {"EU (Stockholm)", "EUN1-"},
	"ap-south-1":     {"Asia Pacific (Mumbai)", "APS3-"},
	"ap-northeast-1": {"Asia Pacific (Tokyo)", "APN1-"},
	"ap-southeast-1": {"Asia Pacific (Singapore)", "APS1-"},
	"ap-southeast-2": {"Asia Pacific (Sydney)", "APS2-"},
}

func regionLocation(region string) (location, usagePrefix string) {
	if l, ok := regionLocations[region]; ok {
		return l[0], l[1]
	}
	return region, strings.ToUpper(region) + "-"
}

// SetPricingOutage makes Pricing GetProducts fail with a 503
// ServiceUnavailableException while on is true.
func (s *Simulator) SetPricingOutage(on bool) {
	s.aux.mu.Lock()
	defer s.aux.mu.Unlock()
	s.aux.pricingOutage = on
}

func (s *Simulator) servePricing(w http.ResponseWriter, r *http.Request, action string) {
	s.serveJSON(w, r, pricingProtocol, action, map[string]jsonHandler{
		"GetProducts": s.pricingGetProducts,
	})
}

// pricingFilter is the wire form of types.Filter.
type pricingFilter struct {
	Type  string `json:"Type"`
	Field string `json:"Field"`
	Value string `json:"Value"`
}

type getProductsInput struct {
	ServiceCode   string          `json:"ServiceCode"`
	Filters       []pricingFilter `json:"Filters"`
	FormatVersion string          `json:"FormatVersion"`
	MaxResults    int             `json:"MaxResults"`
	NextToken     string          `json:"NextToken"`
}

func (s *Simulator) pricingGetProducts(_ *http.Request, body []byte) (any, *jsonError) {
	s.aux.mu.Lock()
	outage := s.aux.pricingOutage
	s.aux.mu.Unlock()
	if outage {
		return nil, &jsonError{status: http.StatusServiceUnavailable, code: "ServiceUnavailableException",
			message: "The service is temporarily unavailable. Please try again later."}
	}
	var in getProductsInput
	if err := decodeJSONBody(body, &in); err != nil {
		return nil, err
	}
	if in.ServiceCode == "" {
		return nil, jsonBadRequest("InvalidParameterException", "ServiceCode is required")
	}
	if in.FormatVersion != "" && in.FormatVersion != "aws_v1" {
		return nil, jsonBadRequest("InvalidParameterException", "unsupported FormatVersion %s", in.FormatVersion)
	}
	size := in.MaxResults
	if size <= 0 || size > pricingMaxResults {
		size = pricingMaxResults
	}
	start, err := decodePricingToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	var matched []priceProduct
	if in.ServiceCode == "AmazonEC2" {
		matched = matchingProducts(s.aux.products(requestedRegion(in.Filters, s.aux.region)), in.Filters)
	}
	if start > len(matched) {
		return nil, jsonBadRequest("InvalidNextTokenException", "The next token is not valid.")
	}
	end := min(start+size, len(matched))
	out := map[string]any{"FormatVersion": "aws_v1", "PriceList": priceDocuments(matched[start:end])}
	if end < len(matched) {
		out["NextToken"] = encodePricingToken(end)
	}
	return out, nil
}

func encodePricingToken(offset int) string {
	return base64.StdEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func decodePricingToken(token string) (int, *jsonError) {
	if token == "" {
		return 0, nil
	}
	raw, err := base64.StdEncoding.DecodeString(token)
	if err == nil && strings.HasPrefix(string(raw), "offset:") {
		if n, err := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:")); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, jsonBadRequest("InvalidNextTokenException", "The next token is not valid.")
}

// requestedRegion is the region a query names in a regionCode or location filter,
// so that the simulator answers for any region; else the simulated region.
func requestedRegion(filters []pricingFilter, fallback string) string {
	for _, f := range filters {
		if !isEqualityFilter(f.Type) {
			continue
		}
		switch strings.ToLower(f.Field) {
		case "regioncode":
			return f.Value
		case "location":
			for code, l := range regionLocations {
				if l[0] == f.Value {
					return code
				}
			}
		}
	}
	return fallback
}

func isEqualityFilter(t string) bool { return t == "" || t == "TERM_MATCH" || t == "EQUALS" }

// priceProduct is one product of the Price List: an instance type with one tenancy.
type priceProduct struct {
	sku        string
	family     string // productFamily
	attributes map[string]string
	price      float64
}

// products lists the Linux on-demand products of the catalog in a region: every
// type with a price as a Shared "Compute Instance", bare-metal types as "Compute
// Instance (bare metal)" in both Shared and Dedicated tenancy.
func (a *auxState) products(region string) []priceProduct {
	var out []priceProduct
	for _, it := range a.pricingTypes {
		if it.OnDemandPricePerHour <= 0 {
			continue
		}
		if !it.BareMetal {
			out = append(out, newPriceProduct(it, region, "Compute Instance", "Shared"))
			continue
		}
		out = append(out,
			newPriceProduct(it, region, "Compute Instance (bare metal)", "Shared"),
			newPriceProduct(it, region, "Compute Instance (bare metal)", "Dedicated"))
	}
	return out
}

func newPriceProduct(it catalog.InstanceType, region, family, tenancy string) priceProduct {
	location, prefix := regionLocation(region)
	usage := prefix + "BoxUsage:" + it.Name
	if tenancy == "Dedicated" {
		usage = prefix + "DedicatedUsage:" + it.Name
	}
	sum := sha256.Sum256([]byte(region + "/" + it.Name + "/" + tenancy))
	sku := strings.ToUpper(base32Alnum(sum[:16]))
	currentGen := "No"
	if it.CurrentGeneration {
		currentGen = "Yes"
	}
	attrs := map[string]string{
		"servicecode":           "AmazonEC2",
		"servicename":           "Amazon Elastic Compute Cloud",
		"location":              location,
		"locationType":          "AWS Region",
		"regionCode":            region,
		"instanceType":          it.Name,
		"instanceFamily":        instanceFamily(it),
		"currentGeneration":     currentGen,
		"vcpu":                  strconv.Itoa(int(it.VCPUs)),
		"memory":                strconv.FormatFloat(float64(it.MemoryMiB)/1024, 'f', -1, 64) + " GiB",
		"networkPerformance":    it.NetworkPerformance,
		"physicalProcessor":     it.ProcessorManufacturer,
		"processorArchitecture": strings.Join(it.Architectures, ", "),
		"operatingSystem":       "Linux",
		"licenseModel":          "No License required",
		"preInstalledSw":        "NA",
		"tenancy":               tenancy,
		"capacitystatus":        "Used",
		"marketoption":          "OnDemand",
		"operation":             "RunInstances",
		"usagetype":             usage,
	}
	return priceProduct{sku: sku, family: family, attributes: attrs, price: it.OnDemandPricePerHour}
}

// base32Alnum renders b in the upper-case letters and digits SKUs are made of.
func base32Alnum(b []byte) string {
	const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = alphabet[int(c)%len(alphabet)]
	}
	return string(out)
}

// instanceFamily is the Price List's coarse family of an instance type.
func instanceFamily(it catalog.InstanceType) string {
	switch {
	case len(it.GPUs) > 0 || len(it.Accelerators) > 0:
		return "GPU instance"
	case strings.HasPrefix(it.Name, "c"):
		return "Compute optimized"
	case strings.HasPrefix(it.Name, "r"), strings.HasPrefix(it.Name, "x"), strings.HasPrefix(it.Name, "z"), strings.HasPrefix(it.Name, "u"):
		return "Memory optimized"
	case strings.HasPrefix(it.Name, "i"), strings.HasPrefix(it.Name, "d"), strings.HasPrefix(it.Name, "h"):
		return "Storage optimized"
	}
	return "General purpose"
}

// matchingProducts keeps the products every filter matches.
func matchingProducts(products []priceProduct, filters []pricingFilter) []priceProduct {
	var out []priceProduct
	for _, p := range products {
		if productMatches(p, filters) {
			out = append(out, p)
		}
	}
	return out
}

func productMatches(p priceProduct, filters []pricingFilter) bool {
	for _, f := range filters {
		value, ok := p.attribute(f.Field)
		if !ok || !filterMatches(f, value) {
			return false
		}
	}
	return true
}

// attribute looks an attribute up by a filter field name, case-insensitively.
func (p priceProduct) attribute(field string) (string, bool) {
	switch strings.ToLower(field) {
	case "productfamily":
		return p.family, true
	case "sku":
		return p.sku, true
	}
	for k, v := range p.attributes {
		if strings.EqualFold(k, field) {
			return v, true
		}
	}
	return "", false
}

func filterMatches(f pricingFilter, value string) bool {
	switch f.Type {
	case "CONTAINS":
		return strings.Contains(strings.ToLower(value), strings.ToLower(f.Value))
	case "ANY_OF", "NONE_OF":
		hit := false
		for _, v := range strings.Split(f.Value, ",") {
			hit = hit || strings.EqualFold(strings.TrimSpace(v), value)
		}
		return hit == (f.Type == "ANY_OF")
	}
	return strings.EqualFold(value, f.Value)
}

// priceDocuments renders products as the JSON strings of GetProducts' PriceList.
func priceDocuments(products []priceProduct) []string {
	out := make([]string, 0, len(products))
	for _, p := range products {
		data, _ := json.Marshal(p.document())
		out = append(out, string(data))
	}
	return out
}

// document is the Price List API's product document, aws_v1 format.
func (p priceProduct) document() map[string]any {
	offer := p.sku + "." + onDemandOfferTermCode
	rate := offer + "." + onDemandRateCode
	tenancy := "Shared"
	if p.attributes["tenancy"] == "Dedicated" {
		tenancy = "Dedicated"
	}
	dimension := map[string]any{
		"rateCode":     rate,
		"unit":         "Hrs",
		"beginRange":   "0",
		"endRange":     "Inf",
		"appliesTo":    []string{},
		"description":  fmt.Sprintf("$%s per On Demand Linux %s %s Instance Hour", strconv.FormatFloat(p.price, 'f', -1, 64), p.attributes["instanceType"], tenancy),
		"pricePerUnit": map[string]string{"USD": strconv.FormatFloat(p.price, 'f', 10, 64)},
	}
	term := map[string]any{
		"offerTermCode":   onDemandOfferTermCode,
		"sku":             p.sku,
		"effectiveDate":   priceListDate,
		"priceDimensions": map[string]any{rate: dimension},
		"termAttributes":  map[string]string{},
	}
	return map[string]any{
		"product": map[string]any{
			"productFamily": p.family,
			"attributes":    p.attributes,
			"sku":           p.sku,
		},
		"serviceCode":     "AmazonEC2",
		"terms":           map[string]any{"OnDemand": map[string]any{offer: term}},
		"version":         priceListVersion,
		"publicationDate": priceListDate,
	}
}
