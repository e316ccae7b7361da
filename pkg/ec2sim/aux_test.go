package ec2sim

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
	awshttp "github.com/aws/smithy-go/transport/http"
)

// auxClients are real SDK clients of the services around EC2, pointed at a
// simulator, without retries so that faults show directly.
type auxClients struct {
	ssm     *ssm.Client
	pricing *pricing.Client
	sqs     *sqs.Client
	iam     *iam.Client
}

func startAux(t *testing.T, opts Options) (*Simulator, auxClients) {
	t.Helper()
	sim := New(opts)
	t.Cleanup(sim.Close)
	cfg := aws.Config{
		Region:           sim.Region(),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       freshConnections(),
	}
	endpoint := aws.String(sim.URL())
	return sim, auxClients{
		ssm:     ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = endpoint }),
		pricing: pricing.NewFromConfig(cfg, func(o *pricing.Options) { o.BaseEndpoint = endpoint }),
		sqs:     sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = endpoint }),
		iam:     iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = endpoint }),
	}
}

// freshConnections is an HTTP client that opens a connection per request and
// reads each response whole before the SDK sees it. With one attempt and no
// retry, a response body read while net/http closes its connection failed a
// call with "use of closed network connection" (aws/aws-sdk-go-v2#1825), as
// seen here under load, keep-alives off or not.
func freshConnections() aws.HTTPClient {
	return wholeBodies{&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}}
}

// wholeBodies buffers each response body before returning the response.
type wholeBodies struct{ client *http.Client }

func (w wholeBodies) Do(r *http.Request) (*http.Response, error) {
	resp, err := w.client.Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// apiErrorCode is the AWS error code of err, "" when it is not an API error.
func apiErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// httpStatus is the HTTP status of the response that failed with err, 0 if none.
func httpStatus(err error) int {
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		return respErr.HTTPStatusCode()
	}
	return 0
}

func TestDefaultImageIDIsStable(t *testing.T) {
	a, b := defaultImageID(FamilyAL2023, "x86_64", VariantStandard), DefaultImageID(FamilyAL2023, "x86_64", VariantStandard)
	if a != b || len(a) != len("ami-")+17 {
		t.Fatalf("defaultImageID = %q, DefaultImageID = %q, want equal ami- ids with 17 hex digits", a, b)
	}
	seen := map[string]bool{}
	for _, img := range AliasImages() {
		if seen[img.ID] {
			t.Fatalf("image id %s used twice", img.ID)
		}
		seen[img.ID] = true
	}
}

func TestUnknownJSONActionIsRefused(t *testing.T) {
	sim := New(Options{})
	defer sim.Close()
	req, _ := http.NewRequest(http.MethodPost, sim.URL(), http.NoBody)
	req.Header.Set("X-Amz-Target", "AmazonSSM.DeleteEverything")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" {
		t.Fatalf("got %d %q, want 400 UnknownOperationException", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
}
