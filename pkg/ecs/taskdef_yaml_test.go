package ecs

import "testing"

// TestParseTaskDefinitionYAML: a YAML task definition reads the same as its
// JSON twin.
func TestParseTaskDefinitionYAML(t *testing.T) {
	y := []byte(`family: orders
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: "256"
memory: "512"
containerDefinitions:
  - name: web
    image: public.ecr.aws/nginx/nginx:stable
    essential: true
    portMappings:
      - containerPort: 8080
`)
	j := []byte(`{"family":"orders","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"256","memory":"512",
"containerDefinitions":[{"name":"web","image":"public.ecr.aws/nginx/nginx:stable","essential":true,"portMappings":[{"containerPort":8080}]}]}`)
	fromYAML, err := ParseTaskDefinition(y)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := ParseTaskDefinition(j)
	if err != nil {
		t.Fatal(err)
	}
	if !SameTaskDefinition(fromYAML, fromJSON) || *fromYAML.Family != "orders" || *fromYAML.ContainerDefinitions[0].PortMappings[0].ContainerPort != 8080 {
		t.Errorf("YAML and JSON differ: %+v vs %+v", fromYAML, fromJSON)
	}
	if _, err := ParseTaskDefinition([]byte("family: [unclosed")); err == nil {
		t.Error("broken YAML accepted")
	}
}
