package ec2sim

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

func TestServeListensOnTheGivenAddress(t *testing.T) {
	sim, err := Serve(":0", Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}
	defer sim.Close()
	if !strings.HasPrefix(sim.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL = %s", sim.URL())
	}
	client := ssm.New(ssm.Options{
		Region: sim.Region(), BaseEndpoint: aws.String(sim.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	_, err = client.GetParameter(context.Background(), &ssm.GetParameterInput{
		Name: aws.String("/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/arm64/standard/recommended/image_id"),
	})
	if err != nil {
		t.Fatalf("GetParameter: %v", err)
	}
}
