package backstage_test

import (
	"context"
	"fmt"
	"os"

	"github.com/stagecrew/stagecrew/pkg/backstage"
	"github.com/stagecrew/stagecrew/pkg/catalog"
)

// Tell an entity's owners how a deployment went. (Not run: it needs a
// Backstage backend; client_test.go runs the same calls against a real one.)
func ExampleClient_Notify() {
	c, err := backstage.New("https://backstage.example.com", os.Getenv("BACKSTAGE_TOKEN"))
	if err != nil {
		fmt.Println(err)
		return
	}
	owners := catalog.Ref{Kind: "Group", Namespace: "default", Name: "payments"}
	sent, err := c.Notify(context.Background(), backstage.Notification{
		Recipients: []catalog.Ref{owners},
		Title:      "orders deployed to production",
		Severity:   backstage.SeverityNormal,
		Scope:      "stagecrew:component:default/orders:production",
	})
	fmt.Println(len(sent), err)
}
