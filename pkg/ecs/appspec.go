package ecs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	sigsyaml "sigs.k8s.io/yaml"
)

// ErrAppSpec is wrapped by errors about an AppSpec file, or a service that
// gives nothing to build one from.
var ErrAppSpec = errors.New("CodeDeploy AppSpec")

// maxAppSpec is CodeDeploy's limit on AppSpec content.
const maxAppSpec = 64 << 10

// AppSpec returns the AppSpec of an ECS blue/green deployment of
// taskDefinition, and its SHA-256 in hex. With file nil it is built from the
// service's first load balancer that names a container and port:
//
//	{"version": "0.0", "Resources": [{"TargetService": {"Type": "AWS::ECS::Service",
//	  "Properties": {"TaskDefinition": ARN, "LoadBalancerInfo": {"ContainerName": C, "ContainerPort": P}}}}]}
//
// A file (YAML or JSON, as CodeDeploy reads it) keeps its hooks and
// properties; the TaskDefinition of every TargetService is set to
// taskDefinition (whatever placeholder the file holds).
func AppSpec(file []byte, taskDefinition string, svc *types.Service) (content, sha string, err error) {
	var doc map[string]any
	if file == nil {
		var lb *types.LoadBalancer
		if svc != nil {
			for i := range svc.LoadBalancers {
				if svc.LoadBalancers[i].ContainerName != nil && svc.LoadBalancers[i].ContainerPort != nil {
					lb = &svc.LoadBalancers[i]
					break
				}
			}
		}
		if lb == nil {
			return "", "", fmt.Errorf("%w: the service has no load balancer with a container name and port to build the AppSpec from; give an AppSpec file", ErrAppSpec)
		}
		doc = map[string]any{"version": "0.0", "Resources": []any{map[string]any{"TargetService": map[string]any{
			"Type": "AWS::ECS::Service",
			"Properties": map[string]any{"TaskDefinition": taskDefinition, "LoadBalancerInfo": map[string]any{
				"ContainerName": aws.ToString(lb.ContainerName), "ContainerPort": aws.ToInt32(lb.ContainerPort)}},
		}}}}
	} else {
		if len(file) > maxAppSpec {
			return "", "", fmt.Errorf("%w: the file is %d bytes, CodeDeploy takes at most %d", ErrAppSpec, len(file), maxAppSpec)
		}
		j, err := sigsyaml.YAMLToJSON(file)
		if err != nil {
			return "", "", fmt.Errorf("%w: not YAML or JSON: %w", ErrAppSpec, err)
		}
		if err := json.Unmarshal(j, &doc); err != nil || doc == nil {
			return "", "", fmt.Errorf("%w: not a mapping", ErrAppSpec)
		}
		rs, _ := doc["Resources"].([]any)
		n := 0
		for _, r := range rs {
			m, _ := r.(map[string]any)
			for _, v := range m {
				ts, _ := v.(map[string]any)
				if ts["Type"] != "AWS::ECS::Service" {
					continue
				}
				props, ok := ts["Properties"].(map[string]any)
				if !ok {
					return "", "", fmt.Errorf("%w: an AWS::ECS::Service resource has no Properties", ErrAppSpec)
				}
				props["TaskDefinition"] = taskDefinition
				n++
			}
		}
		if n == 0 {
			return "", "", fmt.Errorf("%w: no resource of Type AWS::ECS::Service under Resources", ErrAppSpec)
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrAppSpec, err)
	}
	content = string(bytes.TrimSpace(b.Bytes()))
	return content, sha256Hex(content), nil
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
