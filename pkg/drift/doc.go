// Package drift proves that the Backstage catalog and the AWS accounts it
// names describe the same services. [Scan] reads every entity's AWS
// annotations, checks each environment with that environment's role, and
// reports phantoms (annotated resources that do not run), definition drift
// (a deployed state machine or task definition family other than the
// repository's), orphans (tagged resources no entity claims) and ownership
// mismatches; [Suggest] turns the findings into catalog-info.yaml changes.
// Nothing in this package changes anything in AWS.
package drift
