output "secret_ids" {
  description = "Secret Manager secret ID of every secret, operator and generated: name -> ID (regional form, e.g. \"fr-par/<uuid>\")."
  value       = { for name, s in scaleway_secret.this : name => s.id }

  # Consumers read the "latest" version of these secrets (modules/service): make them wait until
  # the generated values exist.
  depends_on = [scaleway_secret_version.generated]
}
