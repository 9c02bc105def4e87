/** The built dashboard (`index.html`, `assets/`): run the workspace's build first. */
export declare const uiAssetsDirectory: string;
