output "bucket_name" {
  description = "Name of the state bucket (backend \"s3\" bucket)."
  value       = scaleway_object_bucket.this.name
}

output "endpoint" {
  description = "S3 API endpoint of the bucket's region (\"https://s3.<region>.scw.cloud\"), for the backend's endpoints = { s3 = ... }."
  value       = scaleway_object_bucket.this.api_endpoint
}
