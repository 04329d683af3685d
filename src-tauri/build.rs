fn main() {
    // Declaring the app's commands makes each one a permission
    // (`allow-engine-status`, ...) that a capability has to grant: a command
    // added here but left out of capabilities/ is refused at the IPC boundary.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "engine_status",
        "prepare_image",
        "check_kernel",
        "open_workspace",
        "list_notebooks",
        "create_notebook",
        "rename_notebook",
        "delete_notebook",
        "open_notebook",
        "reload_notebook",
        "save_notebook",
        "execute_cell",
        "open_whole_output",
        "follow_widgets",
        "send_comm",
        "comm_info",
        "open_output_pdf",
        "save_output_pdf",
        "export_notebook",
        "open_help",
        "open_link",
        "workspace_image",
        "save_checkpoint",
        "checkpoint",
        "revert_to_checkpoint",
        "print_to_pdf",
        "unqueue_cell",
        "copy_cells",
        "clear_outputs",
        "interrupt_kernel",
        "restart_kernel",
        "input_reply",
        "complete",
        "inspect",
        "get_settings",
        "set_settings",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build failed");
}
