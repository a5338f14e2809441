package ecs

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

func TestParseTaskDefinitionExample(t *testing.T) {
	data, err := os.ReadFile("../../examples/catalog/ecs/task-definition.json")
	if err != nil {
		t.Fatal(err)
	}
	in, err := ParseTaskDefinition(data)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(in.Family) != "storefront" || in.NetworkMode != types.NetworkModeAwsvpc || len(in.ContainerDefinitions) != 1 ||
		in.ContainerDefinitions[0].LogConfiguration.Options["awslogs-stream-prefix"] != "web" {
		t.Fatalf("%+v", in)
	}
}

func TestParseTaskDefinitionForms(t *testing.T) {
	described := `{"taskDefinition": {"family": "f", "revision": 7, "status": "ACTIVE", "taskDefinitionArn": "arn:aws:ecs:us-east-1:1:task-definition/f:7",
	  "registeredAt": 1700000000, "compatibilities": ["EC2"], "requiresAttributes": [{"name": "x"}],
	  "containerDefinitions": [{"name": "a", "image": "i"}]}, "tags": [{"key": "team", "value": "web"}]}`
	in, err := ParseTaskDefinition([]byte(described))
	if err != nil || len(in.Tags) != 1 || aws.ToString(in.Family) != "f" {
		t.Fatalf("describe output: %+v %v", in, err)
	}
	for _, tc := range []struct{ doc, want string }{
		{`{"family": "f", "containerDefinitions": [{"name": "a"}], "containerDefintions": []}`, `unknown field "containerDefintions"`},
		{`{"family": "f", "cpu": 256, "containerDefinitions": [{"name": "a"}]}`, "cannot unmarshal number"},
		{`{"family": "f b", "containerDefinitions": [{"name": "a"}]}`, "family"},
		{`{"family": "f"}`, "no containerDefinitions"},
		{`{"family": "f", "containerDefinitions": [{"name": "a"}, {"name": "a"}]}`, "appears twice"},
		{`[]`, "cannot unmarshal array"},
		{`null`, "not a JSON object"},
	} {
		if _, err := ParseTaskDefinition([]byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.doc, err, tc.want)
		}
	}
}

func TestSetImage(t *testing.T) {
	in, err := ParseTaskDefinition([]byte(`{"family": "f", "containerDefinitions": [
	  {"name": "web", "image": "web:1", "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
	  {"name": "proxy", "image": "envoy", "essential": false}]}`))
	if err != nil {
		t.Fatal(err)
	}
	orig := in.ContainerDefinitions
	if err := SetImage(in, "", "web:2", map[string]string{"B": "3", "C": "4"}); err != nil {
		t.Fatal(err)
	}
	c := in.ContainerDefinitions[0]
	b, _ := json.Marshal(c.Environment)
	if aws.ToString(c.Image) != "web:2" || string(b) != `[{"Name":"A","Value":"1"},{"Name":"B","Value":"3"},{"Name":"C","Value":"4"}]` {
		t.Errorf("image %s env %s", aws.ToString(c.Image), b)
	}
	if aws.ToString(orig[0].Image) != "web:1" || len(orig[0].Environment) != 2 {
		t.Error("SetImage changed the caller's container definitions")
	}
	err = SetImage(in, "worker", "x", nil)
	if !errors.Is(err, ErrNoContainer) || !strings.Contains(err.Error(), "its containers are: web, proxy") {
		t.Errorf("unknown container: %v", err)
	}
	in.ContainerDefinitions[1].Essential = nil
	if err := SetImage(in, "", "x", nil); !errors.Is(err, ErrNoContainer) || !strings.Contains(err.Error(), "name the one to use") {
		t.Errorf("two essential containers: %v", err)
	}
}

// What ECS answers for a registered file carries defaults the file did not
// write; the two are the same task definition.
func TestSameTaskDefinitionIgnoresDefaults(t *testing.T) {
	file, _ := ParseTaskDefinition([]byte(`{"family": "f", "networkMode": "awsvpc", "containerDefinitions": [{"name": "a", "image": "i",
	  "portMappings": [{"containerPort": 80}], "environment": [{"name": "Y", "value": "2"}, {"name": "X", "value": "1"}]}]}`))
	described, _ := ParseTaskDefinition([]byte(`{"taskDefinition": {"family": "f", "networkMode": "awsvpc", "revision": 3, "status": "ACTIVE",
	  "registeredAt": 1700000000, "containerDefinitions": [{"name": "a", "image": "i", "cpu": 0, "essential": true, "mountPoints": [], "volumesFrom": [],
	  "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}], "environment": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}],
	  "volumes": [], "placementConstraints": []}}`))
	if !SameTaskDefinition(file, described) {
		t.Fatal("defaults made a difference")
	}
	changed := *file
	_ = SetImage(&changed, "a", "i2", nil)
	if SameTaskDefinition(file, &changed) {
		t.Fatal("a new image made no difference")
	}
}

func TestBackoff(t *testing.T) {
	b := newBackoff(WaitOptions{}.withDefaults(), func() float64 { return 1 })
	var got []time.Duration
	for range 10 {
		got = append(got, b.Next())
	}
	want := []time.Duration{1, 1, 1, 2, 4, 8, 10, 10, 10, 10}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("delays %v, want %v (seconds)", got, want)
		}
	}
	throttle := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	b.Observe(throttle)
	b.Observe(throttle)
	if d := b.Next(); d != 40*time.Second {
		t.Errorf("throttled delay %v, want the 4x cap", d)
	}
}

func FuzzSetImage(f *testing.F) {
	ex, _ := os.ReadFile("../../examples/catalog/ecs/task-definition.json")
	f.Add(ex, "web", "repo/app:2", "K", "V")
	f.Add([]byte(`{"taskDefinition": {"family": "f", "containerDefinitions": [{"name": "a"}, {"name": "b", "essential": false}]}}`), "", "i", "", "")
	f.Add([]byte(`{"family": "f", "containerDefinitions": [{"name": "a", "environment": [{"name": "K"}]}]}`), "a", "", "K", "::x")
	f.Fuzz(func(t *testing.T, data []byte, container, image, key, value string) {
		in, err := ParseTaskDefinition(data)
		if err != nil {
			return
		}
		before, _ := json.Marshal(in)
		env := map[string]string{}
		if key != "" {
			env[key] = value
		}
		if err := SetImage(in, container, image, env); err != nil {
			if !errors.Is(err, ErrNoContainer) {
				t.Fatalf("SetImage error not ErrNoContainer: %v", err)
			}
			after, _ := json.Marshal(in)
			if string(before) != string(after) {
				t.Fatal("a failed SetImage changed the input")
			}
			return
		}
		i, _ := findContainer(aws.ToString(in.Family), in.ContainerDefinitions, container)
		c := in.ContainerDefinitions[i]
		if image != "" && aws.ToString(c.Image) != image {
			t.Fatalf("image %q, want %q", aws.ToString(c.Image), image)
		}
		if key != "" {
			n := 0
			for _, kv := range c.Environment {
				if aws.ToString(kv.Name) == key {
					n++
					if aws.ToString(kv.Value) != value {
						t.Fatalf("env %s=%q", key, aws.ToString(kv.Value))
					}
				}
			}
			if n == 0 {
				t.Fatalf("env %s not set", key)
			}
		}
		if !SameTaskDefinition(in, in) {
			t.Fatal("not the same as itself")
		}
	})
}
