//! `hooksim receiver`: the reference receiver on its own, until Ctrl-C.

use crate::args::ReceiverArgs;
use crate::exit::Exit;

pub async fn receiver(args: ReceiverArgs) -> Exit {
    let mut config = hooksim_receiver::ReceiverConfig::default();
    config.hemnet.trusted_keys = args.hemnet_keys;
    config.propertyfinder_atlas.trusted_secrets = args.atlas_secrets;
    let running = match hooksim_receiver::start(args.addr, config).await {
        Ok(running) => running,
        Err(e) => {
            errln!("error: {e}");
            return Exit::Runtime;
        }
    };
    outln!(
        "reference receiver listening at {}: POST /hemnet, /spark, /flow, /propertyfinder, \
         /propertyfinder-atlas[/signed], /everreal; Ctrl-C stops it",
        running.base_url()
    );
    if let Err(e) = tokio::signal::ctrl_c().await {
        errln!("error: cannot wait for Ctrl-C: {e}");
    }
    running.shutdown().await;
    Exit::Pass
}
