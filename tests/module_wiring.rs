//! Wiring that mocked `tofu test` runs cannot observe, pinned by reading the modules.
//!
//! Mocked providers recompute every planned value, so a test cannot tell a replacement from an
//! update. The database password's consistency rests on a replacement: when the application
//! user is replaced (new name, new instance), the password's secret version must be replaced in
//! the same run, or the secret would keep a password the new user does not have. OpenTofu's
//! `replace_triggered_by` does that; these tests make sure the modules keep asking for it.

use std::path::Path;

fn module_file(path: &str) -> hcl::Body {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("read {path}: {e}"));
    hcl::from_str(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

/// The body of `resource "<ty>" "<name>"`.
fn resource<'a>(body: &'a hcl::Body, ty: &str, name: &str) -> &'a hcl::Body {
    body.blocks()
        .find(|b| {
            b.identifier() == "resource"
                && b.labels().len() == 2
                && b.labels()[0].as_str() == ty
                && b.labels()[1].as_str() == name
        })
        .map(hcl::Block::body)
        .unwrap_or_else(|| panic!("no resource {ty}.{name}"))
}

fn expression_text(body: &hcl::Body, path: &[&str], attr: &str) -> String {
    let mut b = body;
    for step in path {
        b = b
            .blocks()
            .find(|x| x.identifier() == *step)
            .map(hcl::Block::body)
            .unwrap_or_else(|| panic!("no block {step}"));
    }
    let a = b
        .attributes()
        .find(|a| a.key() == attr)
        .unwrap_or_else(|| panic!("no attribute {attr}"));
    hcl::format::to_string(a.expr()).unwrap()
}

#[test]
fn a_new_database_user_replaces_the_password_version() {
    let main = module_file("modules/database/main.tf");
    let trigger = expression_text(
        resource(&main, "scaleway_secret_version", "password"),
        &["lifecycle"],
        "replace_triggered_by",
    );
    assert!(
        trigger.contains("terraform_data.app_user"),
        "the password version must be replaced with the user: {trigger}"
    );
    let identity = expression_text(resource(&main, "terraform_data", "app_user"), &[], "input");
    assert!(
        identity.contains("scaleway_rdb_instance.this.id") && identity.contains("var.user_name"),
        "the user identity must cover what forces a new user (instance, name): {identity}"
    );
    let version = expression_text(
        resource(&main, "scaleway_rdb_user", "app"),
        &[],
        "password_wo_version",
    );
    assert!(
        version.contains("scaleway_secret_version.password.revision"),
        "the user's password version must follow the secret version: {version}"
    );
}

/// The application user's privilege ignores drift of `permission` (sweep 57, H1-F4; review
/// R5): Scaleway turns `all` into `custom` as soon as the application creates tables, and the
/// provider writes that effective value back into `permission`, so without the ignore every
/// plan after a schema-changing release shows a change, and the rollback refuses to run
/// without `apply_other_changes`. The drift was reproduced with the real provider against a
/// stand-in of the API during the sweep; a mocked `tofu test` cannot produce it, so this pins
/// the module's answer to it.
#[test]
fn the_application_privilege_ignores_the_permission_scaleway_rewrites() {
    let main = module_file("modules/database/main.tf");
    let privilege = resource(&main, "scaleway_rdb_privilege", "app");
    assert_eq!(
        expression_text(privilege, &[], "permission"),
        "\"all\"",
        "the application owns its database"
    );
    let ignored: String = expression_text(privilege, &["lifecycle"], "ignore_changes")
        .split_whitespace()
        .collect();
    assert_eq!(
        ignored, "[permission]",
        "the drift to `custom` must not show in plans"
    );
}
