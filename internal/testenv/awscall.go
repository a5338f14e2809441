package testenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// AWSCall is one raw AWS API call for tests that probe a service without
// its SDK module (IAM, CodeDeploy, the Tagging API): a JSON-protocol call
// when Target is set (X-Amz-Target, Body JSON), a query-protocol call
// otherwise (Form, with Action and Version).
type AWSCall struct {
	Service string // signing name: "iam", "codedeploy", "tagging", ...
	Target  string // X-Amz-Target, e.g. "CodeDeploy_20141006.ListApplications"
	Body    string // JSON body of a Target call ("{}" when empty)
	Form    url.Values
}

// AWSResponse is the raw answer to an AWSCall.
type AWSResponse struct {
	Status int
	Body   string
}

// Do signs the call with cfg's credentials (SigV4, cfg's region) and sends
// it to cfg's BaseEndpoint.
func (c AWSCall) Do(ctx context.Context, cfg aws.Config) (AWSResponse, error) {
	body := c.Body
	contentType := "application/x-amz-json-1.1"
	if c.Target == "" {
		body, contentType = c.Form.Encode(), "application/x-www-form-urlencoded; charset=utf-8"
	} else if body == "" {
		body = "{}"
	}
	if cfg.BaseEndpoint == nil {
		return AWSResponse{}, fmt.Errorf("testenv: AWSCall needs a BaseEndpoint")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(*cfg.BaseEndpoint, "/")+"/", strings.NewReader(body))
	if err != nil {
		return AWSResponse{}, err
	}
	req.Header.Set("Content-Type", contentType)
	if c.Target != "" {
		req.Header.Set("X-Amz-Target", c.Target)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return AWSResponse{}, err
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), c.Service, cfg.Region, time.Now()); err != nil {
		return AWSResponse{}, err
	}
	req.Body = io.NopCloser(bytes.NewReader([]byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return AWSResponse{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return AWSResponse{Status: resp.StatusCode, Body: string(b)}, err
}

// IAMQuery is an IAM query-protocol call: Action with params.
func IAMQuery(action string, params ...string) AWSCall {
	f := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for i := 0; i+1 < len(params); i += 2 {
		f.Set(params[i], params[i+1])
	}
	return AWSCall{Service: "iam", Form: f}
}
